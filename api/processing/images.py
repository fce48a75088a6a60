"""Image functions of the pipeline (pure: bytes in, bytes out), shared by the jobs and the benchmark.

A photo is decoded once, at most at the watermark's size: `decode_upright` lets a JPEG decode at a
reduced DCT scale (draft) when that still covers `WATERMARK_MAX_SIDE`, brings the result down to it
and applies the EXIF orientation once. The variants cascade from that image: the watermarked
preview is it with text across it, `thumb-800` is resized from it and `thumb-400` from `thumb-800`.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont

from wairo_contracts.keys import THUMBNAILS

WATERMARK_MAX_SIDE = 2048
MAX_PIXELS = 100_000_000  # decompression-bomb guard (a 50 MB upload never needs more)
ORIENTATION = 0x0112
# EXIF orientation -> the transpose that makes the image upright (as ImageOps.exif_transpose).
_UPRIGHT = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
# Largest-first, so each thumbnail is cut from the next larger one.
CASCADE = sorted(THUMBNAILS.items(), key=lambda item: -item[1])


class CorruptImage(ValueError):
    """The bytes are not an image Pillow can decode (or decode safely)."""


_DECODE_ERRORS = (OSError, ValueError, SyntaxError, Image.DecompressionBombError, Warning)


def open_image(data: bytes) -> Image.Image:
    """Open (read the header and metadata, decode no pixels), refusing decompression bombs."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
    except _DECODE_ERRORS as exc:
        raise CorruptImage(f"not a decodable image: {exc}") from exc
    if image.width * image.height > MAX_PIXELS:
        raise CorruptImage(f"image too large ({image.width}x{image.height})")
    return image


def fit(size: tuple[int, int], longest: int) -> tuple[int, int]:
    """`size` scaled so its longest side is at most `longest` (never enlarged), aspect kept."""
    width, height = size
    scale = longest / max(width, height)
    if scale >= 1:
        return size
    return max(1, round(width * scale)), max(1, round(height * scale))


def shrink(image: Image.Image, longest: int) -> Image.Image:
    """`image` with its longest side at most `longest` (Lanczos); the image itself when it fits."""
    size = fit(image.size, longest)
    return image if size == image.size else image.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)


def decode_upright(data: bytes, max_side: int = WATERMARK_MAX_SIDE) -> Image.Image:
    """The photo decoded fully (a truncated file fails here, not halfway through a variant), RGB,
    its longest side at most `max_side`, EXIF orientation applied. A JPEG is decoded at the
    smallest DCT scale (1/2, 1/4, 1/8) whose result still covers `max_side`."""
    image = open_image(data)
    orientation = image.getexif().get(ORIENTATION)
    wanted = fit(image.size, max_side)
    if wanted != image.size:
        # Pillow picks the largest reduction leaving both sides at least the ones asked for.
        image.draft("RGB", wanted)
    try:
        image.load()
    except _DECODE_ERRORS as exc:
        raise CorruptImage(f"not a decodable image: {exc}") from exc
    rgb = shrink(image if image.mode == "RGB" else image.convert("RGB"), max_side)
    method = _UPRIGHT.get(orientation) if isinstance(orientation, int) else None
    return rgb.transpose(method) if method is not None else rgb


def jpeg(image: Image.Image, quality: int = 85, progressive: bool = False) -> bytes:
    """JPEG with no metadata (no EXIF, hence no GPS, is written unless passed). Baseline unless
    `progressive` (libjpeg optimises a progressive file's Huffman tables itself)."""
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality, progressive=progressive)
    return out.getvalue()


def thumbnails(upright: Image.Image) -> dict[str, Image.Image]:
    """Every thumbnail variant (name -> image) of an upright photo, each cut from the next larger."""
    out: dict[str, Image.Image] = {}
    source = upright
    for name, longest in CASCADE:
        source = out[name] = shrink(source, longest)
    return out


@lru_cache(maxsize=16)
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


@dataclass(frozen=True, slots=True)
class Overlay:
    """The watermark of one image size: one line of text with its shadow (RGBA, pasted with its
    own alpha as the mask) and where its copies go."""

    line: Image.Image
    positions: tuple[tuple[int, int], ...]


@lru_cache(maxsize=64)
def watermark_overlay(size: tuple[int, int], text: str) -> Overlay:
    """The overlay for images of `size` (cached: an event's photos come in a few sizes)."""
    width, height = size
    font = _font(max(12, width // 14))
    left, top, right, bottom = font.getbbox(text)
    text_w, text_h = int(right - left), int(bottom - top)
    line = Image.new("RGBA", (int(right) + 2, int(bottom) + 2), (0, 0, 0, 0))
    draw = ImageDraw.Draw(line)
    draw.text((2, 2), text, font=font, fill=(0, 0, 0, 90))
    draw.text((0, 0), text, font=font, fill=(255, 255, 255, 140))
    step_y = max(text_h * 4, height // 3)
    x = (width - text_w) // 2
    positions = tuple((x, y) for y in range(step_y // 2 - text_h // 2, height, step_y))
    return Overlay(line=line, positions=positions)


def watermark(upright: Image.Image, text: str) -> Image.Image:
    """A preview with `text` across it, sized to the image (which is not modified)."""
    marked = upright.copy()
    overlay = watermark_overlay(marked.size, text)
    for position in overlay.positions:
        marked.paste(overlay.line, position, overlay.line)
    return marked


def encode_thumbnail(image: Image.Image) -> bytes:
    return jpeg(image, quality=85)


def encode_watermark(image: Image.Image) -> bytes:
    """Progressive: the preview buyers and share links open is the largest variant."""
    return jpeg(image, quality=82, progressive=True)

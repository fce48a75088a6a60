"""Image functions of the pipeline (pure: bytes in, bytes out), shared by the jobs and the benchmark."""

from __future__ import annotations

import io
import warnings

from PIL import Image, ImageDraw, ImageFont, ImageOps

from wairo_contracts.keys import THUMBNAILS

WATERMARK_MAX_SIDE = 2048
MAX_PIXELS = 100_000_000  # decompression-bomb guard (a 50 MB upload never needs more)


class CorruptImage(ValueError):
    """The bytes are not an image Pillow can decode (or decode safely)."""


def open_image(data: bytes) -> Image.Image:
    """Decode fully (a truncated file fails here, not halfway through a variant)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.width * image.height > MAX_PIXELS:
                raise CorruptImage(f"image too large ({image.width}x{image.height})")
            image.load()
    except CorruptImage:
        raise
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError, Warning) as exc:
        raise CorruptImage(f"not a decodable image: {exc}") from exc
    return image


def _upright_rgb(image: Image.Image) -> Image.Image:
    upright = ImageOps.exif_transpose(image) or image
    return upright if upright.mode == "RGB" else upright.convert("RGB")


def _jpeg(image: Image.Image, quality: int = 85) -> bytes:
    """Progressive JPEG with no metadata (no EXIF, hence no GPS, is written unless passed)."""
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality, progressive=True, optimize=True)
    return out.getvalue()


def thumbnail(image: Image.Image, size: int) -> bytes:
    """`size` px on the longest side (never upscaled), EXIF orientation applied."""
    upright = _upright_rgb(image).copy()
    upright.thumbnail((size, size), Image.Resampling.LANCZOS)
    return _jpeg(upright)


def thumbnails(image: Image.Image) -> dict[str, bytes]:
    """Every thumbnail variant of the photo (variant name -> JPEG)."""
    return {name: thumbnail(image, size) for name, size in THUMBNAILS.items()}


def watermark(image: Image.Image, text: str) -> bytes:
    """A preview with `text` across it, sized to the image; EXIF (GPS included) is not carried over."""
    base = _upright_rgb(image).copy()
    base.thumbnail((WATERMARK_MAX_SIDE, WATERMARK_MAX_SIDE), Image.Resampling.LANCZOS)
    width, height = base.size
    font = ImageFont.load_default(size=max(12, width // 14))
    overlay = Image.new("RGBA", base.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    left, top, right, bottom = draw.textbbox((0, 0), text, font=font)
    text_w, text_h = int(right - left), int(bottom - top)
    step_y = max(text_h * 4, height // 3)
    for y in range(step_y // 2 - text_h // 2, height, step_y):
        x = (width - text_w) // 2
        draw.text((x + 2, y + 2), text, font=font, fill=(0, 0, 0, 90))
        draw.text((x, y), text, font=font, fill=(255, 255, 255, 140))
    marked = Image.alpha_composite(base.convert("RGBA"), overlay).convert("RGB")
    return _jpeg(marked, quality=82)

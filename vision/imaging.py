"""Image decoding and resizing with Pillow (EXIF orientation applied, decompression bombs refused)."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, ImageOps

from vision.types import ImageArray


class ImageDecodeError(ValueError):
    """The bytes are not an image we can read."""


def decode_image(data: bytes, max_pixels: int = 80_000_000) -> ImageArray:
    """Decode JPEG/PNG/WebP bytes to an RGB ``uint8`` array (H, W, 3), EXIF orientation applied."""
    try:
        with Image.open(io.BytesIO(data)) as img:
            if img.width * img.height > max_pixels:
                raise ImageDecodeError(f"image too large: {img.width}x{img.height}")
            rgb = ImageOps.exif_transpose(img).convert("RGB")
            return np.asarray(rgb, dtype=np.uint8)
    except ImageDecodeError:
        raise
    except Exception as exc:  # Pillow raises many types for corrupt input
        raise ImageDecodeError(f"cannot decode image: {exc}") from exc


def resize(
    image: np.ndarray, scale: float, resample: Image.Resampling = Image.Resampling.BILINEAR
) -> np.ndarray:
    """Resize an (H, W[, C]) uint8 array by ``scale``; returns the input itself when scale is 1."""
    if abs(scale - 1.0) < 1e-6:
        return image
    h, w = image.shape[:2]
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    return np.asarray(Image.fromarray(image).resize(size, resample))


def to_grey(image: ImageArray) -> ImageArray:
    if image.ndim == 2:
        return image
    return np.asarray(Image.fromarray(image).convert("L"))

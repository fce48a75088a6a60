"""Test images: generated JPEG/PNG bytes with optional EXIF, and the labelled face photos of the
shared/ folder beside the repository (../shared relative to the repository root)."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image

FACES_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "faces"
FACE_IMAGES = FACES_DIR / "images"


def jpeg_bytes(
    size: tuple[int, int] = (1200, 900), exif: Image.Exif | None = None, fmt: str = "JPEG"
) -> bytes:
    # Gradients and noise: detail enough that the file is well over 1 KB.
    bands = (
        Image.linear_gradient("L").resize(size),
        Image.effect_noise(size, 40).convert("L"),
        Image.radial_gradient("L").resize(size),
    )
    image = Image.merge("RGB", bands)
    out = io.BytesIO()
    image.save(out, fmt, **({"exif": exif} if exif is not None else {}))
    return out.getvalue()


def exif_with_gps() -> Image.Exif:
    """Camera, lens, capture time (no offset), GPS (48.8584 N, 2.2945 E) and orientation 6."""
    exif = Image.Exif()
    exif[0x010F], exif[0x0110], exif[0x0112] = "Canon", "EOS R5", 6
    sub = exif.get_ifd(0x8769)
    sub[0x9003], sub[0xA434] = "2024:06:01 18:30:00", "RF 24-70mm"
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2], gps[3], gps[4] = "N", (48.0, 51.0, 30.24), "E", (2.0, 17.0, 40.2)
    return exif


def face_jpeg() -> bytes:
    """A group photo (six faces) when the shared face photos are here, else a generated image."""
    group = FACE_IMAGES / "group-t1.jpg"
    return group.read_bytes() if group.is_file() else jpeg_bytes((1280, 886))

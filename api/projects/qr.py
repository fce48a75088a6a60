"""The join link as a QR code, for printing at the venue (segno: SVG or PNG)."""

from __future__ import annotations

import io
from typing import Literal

import segno

QrFormat = Literal["svg", "png"]
MEDIA_TYPES: dict[QrFormat, str] = {"svg": "image/svg+xml", "png": "image/png"}


def qr_code(link: str, fmt: QrFormat, scale: int) -> bytes:
    """`link` encoded with error correction level M (readable with some of it covered or smudged),
    `scale` pixels (PNG) or user units (SVG) per module, the standard four-module quiet zone."""
    code = segno.make_qr(link, error="m")
    out = io.BytesIO()
    code.save(out, kind=fmt, scale=scale, border=4)
    return out.getvalue()

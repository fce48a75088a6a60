"""EXIF metadata of an uploaded photo (Pillow): camera, lens, capture time, GPS, orientation, size."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from PIL import Image

# Tag numbers (EXIF 2.3): IFD0, the Exif sub-IFD and the GPS sub-IFD.
MAKE, MODEL, ORIENTATION = 0x010F, 0x0110, 0x0112
EXIF_IFD, GPS_IFD = 0x8769, 0x8825
DATETIME_ORIGINAL, OFFSET_TIME_ORIGINAL, LENS_MODEL = 0x9003, 0x9011, 0xA434
GPS_LAT_REF, GPS_LAT, GPS_LON_REF, GPS_LON = 1, 2, 3, 4
# Orientations 5..8 swap width and height when displayed.
_TRANSPOSED = {5, 6, 7, 8}


def _text(value: Any) -> str | None:
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if not isinstance(value, str):
        return None
    cleaned = value.strip("\x00 ").strip()
    return cleaned[:200] or None


def _degrees(value: Any, ref: Any) -> float | None:
    try:
        d, m, s = (float(v) for v in value)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    degrees = d + m / 60 + s / 3600
    if _text(ref) in ("S", "W"):
        degrees = -degrees
    return round(degrees, 7)


def _taken_at(raw: Any, offset: Any, project_tz: str) -> datetime | None:
    """The capture time: with the camera's own UTC offset when it recorded one, otherwise read as a
    wall-clock time in the project's timezone (cameras are set to local time at the event)."""
    text = _text(raw)
    if not text:
        return None
    try:
        naive = datetime.strptime(text[:19], "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None
    offset_text = _text(offset)
    if offset_text and len(offset_text) == 6 and offset_text[0] in "+-" and offset_text[3] == ":":
        try:
            sign = 1 if offset_text[0] == "+" else -1
            delta = timedelta(hours=int(offset_text[1:3]), minutes=int(offset_text[4:6]))
            return naive.replace(tzinfo=timezone(sign * delta))
        except ValueError:
            pass
    return naive.replace(tzinfo=ZoneInfo(project_tz))


def extract(image: Image.Image, project_tz: str) -> tuple[dict[str, Any], datetime | None]:
    """The `exif` JSON of a photo and its capture time; photos without EXIF give sizes only."""
    exif = image.getexif()
    sub = exif.get_ifd(EXIF_IFD)
    gps = exif.get_ifd(GPS_IFD)
    orientation = exif.get(ORIENTATION)
    orientation = orientation if isinstance(orientation, int) and 1 <= orientation <= 8 else 1
    width, height = image.size
    if orientation in _TRANSPOSED:
        width, height = height, width
    taken_at = _taken_at(sub.get(DATETIME_ORIGINAL), sub.get(OFFSET_TIME_ORIGINAL), project_tz)
    lat = _degrees(gps.get(GPS_LAT), gps.get(GPS_LAT_REF)) if gps else None
    lon = _degrees(gps.get(GPS_LON), gps.get(GPS_LON_REF)) if gps else None
    data: dict[str, Any] = {
        "make": _text(exif.get(MAKE)),
        "model": _text(exif.get(MODEL)),
        "lens": _text(sub.get(LENS_MODEL)),
        "takenAt": taken_at.isoformat() if taken_at else None,
        "gps": {"lat": lat, "lon": lon} if lat is not None and lon is not None else None,
        "orientation": orientation,
        "width": width,
        "height": height,
        "format": image.format,
    }
    return data, taken_at

"""Where objects live in a bucket. The media API and the pipeline write these keys, the storage
sweep parses them, the operator counts a project's photos by them.

- ``photos/{projectId}/{photoId}/{variant}.jpg``: a photo's original and its variants (in the
  project's bucket);
- ``selfies/{userId}/{millis}.jpg``: an attendee's selfies (platform bucket);
- ``retained/{photoId}/watermarked.jpg``: the copy a purchase keeps of a deleted photo (platform
  bucket);
- ``operators/{operatorId}/profile.jpg``: an operator's profile picture (platform bucket).
"""

from __future__ import annotations

import uuid

PHOTOS = "photos/"
SELFIES = "selfies/"
RETAINED = "retained/"
OPERATORS = "operators/"

ORIGINAL = "original"
THUMBNAILS = {"thumb-400": 400, "thumb-800": 800}  # variant -> longest side (px)
LIST_THUMBNAIL = "thumb-400"  # the variant photo lists show
WATERMARKED = "watermarked"
VARIANTS = (*THUMBNAILS, WATERMARKED)


def project_photos_prefix(project_id: uuid.UUID | str) -> str:
    return f"{PHOTOS}{project_id}/"


def photo_key(project_id: uuid.UUID | str, photo_id: uuid.UUID | str, variant: str = ORIGINAL) -> str:
    return f"{PHOTOS}{project_id}/{photo_id}/{variant}.jpg"


def parse_photo_key(key: str) -> tuple[uuid.UUID, uuid.UUID] | None:
    """(project id, photo id) of a key under ``photos/``, or None when it is not laid out so."""
    parts = key.split("/")
    if len(parts) < 3 or f"{parts[0]}/" != PHOTOS:
        return None
    try:
        return uuid.UUID(parts[1]), uuid.UUID(parts[2])
    except ValueError:
        return None


def selfie_key(user_id: uuid.UUID | str, millis: int) -> str:
    return f"{SELFIES}{user_id}/{millis}.jpg"


def retained_key(photo_id: uuid.UUID | str) -> str:
    return f"{RETAINED}{photo_id}/{WATERMARKED}.jpg"


def profile_picture_key(operator_id: uuid.UUID | str) -> str:
    return f"{OPERATORS}{operator_id}/profile.jpg"

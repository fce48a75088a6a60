"""Request and response bodies of the media API (camelCase on the wire)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import Field, field_validator

from api.core.schemas import CamelModel, StrictCamelModel
from api.settings import get_settings

# HEIC would need pillow-heif in the worker; it is not installed, so it is not accepted.
ContentType = Literal["image/jpeg", "image/png", "image/webp"]
Variant = Literal["thumb-400", "thumb-800", "watermarked", "original"]


def _declared_size(value: int | None) -> int | None:
    settings = get_settings()
    if value is not None and not settings.upload_min_bytes <= value <= settings.upload_max_bytes:
        raise ValueError(
            f"sizeBytes must be between {settings.upload_min_bytes} and {settings.upload_max_bytes}"
        )
    return value


class FileIn(StrictCamelModel):
    """What a client may declare about the file it is about to upload (validated, then bound)."""

    file_name: str | None = Field(default=None, min_length=1, max_length=255)
    content_type: ContentType = "image/jpeg"
    size_bytes: int | None = None

    _size = field_validator("size_bytes")(_declared_size)


class PhotoUploadIn(FileIn):
    project_id: uuid.UUID


class PhotoUploadOut(CamelModel):
    photo_id: uuid.UUID
    upload_url: str
    key: str
    expires_in_seconds: int


class SelfieUploadOut(CamelModel):
    selfie_id: uuid.UUID
    upload_url: str
    key: str
    expires_in_seconds: int


class ProfilePictureOut(CamelModel):
    upload_url: str
    file_url: str


class PhotoStateOut(CamelModel):
    photo_id: uuid.UUID
    status: str


class SelfieStateOut(CamelModel):
    selfie_id: uuid.UUID
    status: str


class VariantOut(CamelModel):
    name: str
    key: str
    ready: bool


class PhotoOut(CamelModel):
    """The status of one photo (its uploader or the project's operator)."""

    id: uuid.UUID
    project_id: uuid.UUID
    photographer_id: uuid.UUID | None
    status: str
    failure_reason: str | None
    file_name: str | None
    content_type: str
    exif: dict[str, Any] | None
    taken_at: datetime | None
    width: int | None
    height: int | None
    size_bytes: int | None
    variants: list[VariantOut]
    face_count: int | None
    created_at: datetime


class PhotoListItem(CamelModel):
    id: uuid.UUID
    project_id: uuid.UUID
    project_name: str
    photographer_id: uuid.UUID | None
    photographer_name: str | None
    status: str
    taken_at: datetime | None
    thumbnail_url: str | None
    full_url: str | None
    created_at: datetime


class SelfieOut(CamelModel):
    id: uuid.UUID
    status: str
    rejection_reason: str | None
    created_at: datetime


class ViewOut(CamelModel):
    url: str
    expires_in_seconds: int


class ResumableIn(StrictCamelModel):
    photo_id: uuid.UUID
    total_bytes: int
    content_type: ContentType

    _size = field_validator("total_bytes")(_declared_size)


class ResumableOut(CamelModel):
    session_id: uuid.UUID
    object_key: str
    part_size_bytes: int
    expires_at: datetime


class PartUrlOut(CamelModel):
    part_number: int
    url: str


class PartIn(StrictCamelModel):
    part_number: int = Field(ge=1, le=10_000)
    etag: str = Field(min_length=1, max_length=256)


class CompleteUploadIn(StrictCamelModel):
    parts: list[PartIn] = Field(min_length=1, max_length=10_000)


# S3 bucket notifications (the subset we read); unknown fields are ignored, as S3 sends many.
class S3Object(CamelModel):
    key: str = Field(min_length=1, max_length=1024)
    size: int | None = None


class S3Bucket(CamelModel):
    name: str = Field(min_length=1, max_length=255)


class S3Entity(CamelModel):
    bucket: S3Bucket
    object: S3Object


class StorageRecord(CamelModel):
    s3: S3Entity


class StorageEventIn(CamelModel):
    records: list[StorageRecord] = Field(alias="Records", max_length=1000)


class StorageEventOut(CamelModel):
    completed: int
    ignored: int

"""Request and response bodies of the media API (camelCase on the wire)."""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Annotated, Any, Literal, Self

from pydantic import AfterValidator, Field, StringConstraints, field_validator, model_validator

from api.core.schemas import CamelModel, PatchModel, StrictCamelModel
from api.models.photos import Visibility
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


MAX_TAGS = 20
_TAG = re.compile(r"[\w-]{1,32}")  # letters (any script), digits, `_` and `-`


def _title(value: str) -> str | None:
    return value or None  # an empty title clears it


def normalise_tag(value: str) -> str:
    """A tag as stored and searched: stripped, lower-cased; ValueError when it is not a label."""
    tag = value.strip().lower()
    if not _TAG.fullmatch(tag):
        raise ValueError("a tag is 1 to 32 letters, digits, '-' or '_'")
    return tag


def _distinct_tags(values: list[str]) -> list[str]:
    tags = list(dict.fromkeys(values))  # duplicates collapsed, first order kept
    if len(tags) > MAX_TAGS:
        raise ValueError(f"at most {MAX_TAGS} distinct tags")
    return tags


# Trimmed, at most 200 characters; "" clears the title.
Title = (
    Annotated[str, StringConstraints(strip_whitespace=True, max_length=200), AfterValidator(_title)] | None
)
# Short lower-case labels, normalised (stripped, lower-cased, duplicates collapsed).
Tags = Annotated[
    list[Annotated[str, StringConstraints(max_length=200), AfterValidator(normalise_tag)]],
    Field(max_length=200),
    AfterValidator(_distinct_tags),
]
Sha256 = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]


class FileIn(StrictCamelModel):
    """What a client may declare about the file it is about to upload (validated, then bound)."""

    file_name: str | None = Field(default=None, min_length=1, max_length=255)
    content_type: ContentType = "image/jpeg"
    size_bytes: int | None = None

    _size = field_validator("size_bytes")(_declared_size)


class PhotoUploadIn(FileIn):
    """An upload URL's body: the file, the project, the photo's metadata, and the client's SHA-256 of
    the file (64 lower-case hex characters): the same file again in the project is refused (409
    `duplicate_photo`) once stored, or replaces the earlier upload that never completed."""

    project_id: uuid.UUID
    title: Title = None
    tags: Tags = Field(default_factory=list)
    client_sha256: Sha256 | None = None


class PhotoUpdate(PatchModel):
    """`PATCH /v1/photos/{photoId}`: at least one field; `tags` replaces the stored list."""

    not_null = frozenset({"tags", "visibility"})

    title: Title = None
    tags: Tags | None = None
    visibility: Visibility | None = None

    @model_validator(mode="after")
    def _something(self) -> Self:
        if not self.model_fields_set:
            raise ValueError("give at least one of title, tags, visibility")
        return self


class PhotoUploadOut(CamelModel):
    photo_id: uuid.UUID
    upload_url: str
    key: str
    expires_in_seconds: int
    status_url: str  # the photo's status (GET, the media API's path)
    headers: dict[str, str]  # what the PUT must send: the headers the URL is signed for


class SelfieUploadOut(CamelModel):
    selfie_id: uuid.UUID
    upload_url: str
    key: str
    expires_in_seconds: int
    headers: dict[str, str]  # what the PUT must send: the headers the URL is signed for


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
    title: str | None
    tags: list[str]
    visibility: Visibility
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
    title: str | None
    tags: list[str]
    visibility: Visibility
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
    status_url: str
    headers: dict[str, str]  # what each part's PUT must send (its URL signs none: {})


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

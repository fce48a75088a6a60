"""Consent, selfies, photos, detected faces, tags, favourites, reports, uploads and share links."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal, get_args

from pgvector.sqlalchemy import Vector
from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from api.models.base import Base, created_at, updated_at, uuid_pk
from api.models.projects import _in

PHOTO_STATUSES = ("pending_upload", "uploaded", "processing", "ready", "failed", "expired")
# Photos that hold (or will hold) storage and count against their project's quota (the database's
# triggers count them into `projects.quota_used_*`: migration 0006_upload_quota).
QUOTA_STATUSES = ("pending_upload", "uploaded", "processing", "ready")
# Photos whose original is in storage: one per client SHA-256 in a project (UNIQUE_FILE_INDEX).
STORED_STATUSES = ("uploaded", "processing", "ready")
UNIQUE_FILE_INDEX = "uq_photos_client_sha256"
# `hidden`: kept, shown to staff only (attendees' lists, matches, purchases, new shares never see it).
Visibility = Literal["visible", "hidden"]
VISIBILITIES: tuple[Visibility, ...] = get_args(Visibility)
VISIBLE: Visibility = "visible"
SELFIE_STATUSES = ("pending_upload", "uploaded", "processing", "approved", "rejected", "expired")
TAG_SOURCES = ("auto", "confirmed")
REPORT_TYPES = ("incorrect_tag", "missing_tag")
# One embedding column per model dimension (dlib: 128, ArcFace: 512), each with an HNSW index.
_ONE_EMBEDDING = "(embedding_128 IS NULL) <> (embedding_512 IS NULL)"


def _hnsw(table: str, dim: int) -> Index:
    return Index(
        f"ix_{table}_embedding_{dim}_hnsw",
        f"embedding_{dim}",
        postgresql_using="hnsw",
        postgresql_ops={f"embedding_{dim}": "vector_cosine_ops"},
    )


class Consent(Base):
    __tablename__ = "consents"
    __table_args__ = (
        Index(
            "uq_consents_live_per_user_type",
            "user_id",
            "consent_type",
            unique=True,
            postgresql_where=text("revoked_at IS NULL"),
        ),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    consent_type: Mapped[str] = mapped_column(String(64), server_default="biometric_processing")
    consent_version: Mapped[str] = mapped_column(String(64))
    given_at: Mapped[datetime] = created_at()
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Selfie(Base):
    __tablename__ = "selfies"
    __table_args__ = (
        CheckConstraint(_in("status", SELFIE_STATUSES), name="status"),
        CheckConstraint("embedding_128 IS NULL OR embedding_512 IS NULL", name="one_embedding"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    object_key: Mapped[str] = mapped_column(String(512), unique=True)
    content_type: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int | None] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16), server_default="pending_upload")
    rejection_reason: Mapped[str | None] = mapped_column(String(64))
    model: Mapped[str | None] = mapped_column(String(64))
    embedding_128: Mapped[Any] = mapped_column(Vector(128), nullable=True)
    embedding_512: Mapped[Any] = mapped_column(Vector(512), nullable=True)
    upload_expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = created_at()
    updated_at: Mapped[datetime] = updated_at()


class Photo(Base):
    __tablename__ = "photos"
    __table_args__ = (
        CheckConstraint(_in("status", PHOTO_STATUSES), name="status"),
        CheckConstraint("size_bytes IS NULL OR size_bytes >= 0", name="size"),
        CheckConstraint("width IS NULL OR width > 0", name="width"),
        CheckConstraint("height IS NULL OR height > 0", name="height"),
        Index("ix_photos_project_id_status", "project_id", "status"),
        Index("ix_photos_project_id_taken_at", "project_id", "taken_at"),
        CheckConstraint(_in("visibility", VISIBILITIES), name="visibility"),
        Index(
            UNIQUE_FILE_INDEX,
            "project_id",
            "client_sha256",
            unique=True,
            postgresql_where=text(f"client_sha256 IS NOT NULL AND {_in('status', STORED_STATUSES)}"),
        ),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    project_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    photographer_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("photographers.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[str] = mapped_column(String(16), server_default="pending_upload")
    failure_reason: Mapped[str | None] = mapped_column(String(500))
    original_key: Mapped[str] = mapped_column(String(512), unique=True)
    file_name: Mapped[str | None] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int | None] = mapped_column(BigInteger)
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    exif: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    taken_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Variant name -> object key, filled as each job finishes ("thumb-400", "thumb-800", "watermarked").
    variants: Mapped[dict[str, str]] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
    face_count: Mapped[int | None] = mapped_column(Integer)
    upload_expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    jobs_enqueued_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # When the photo last entered `processing` (the reconciler re-queues photos stuck there).
    processing_started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    title: Mapped[str | None] = mapped_column(String(200))
    tags: Mapped[list[str]] = mapped_column(ARRAY(String(32)), server_default=text("'{}'"))
    visibility: Mapped[str] = mapped_column(String(8), server_default=VISIBLE)
    # What the uploading client says the original's SHA-256 is (hex); the pipeline checks it.
    client_sha256: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = created_at()
    updated_at: Mapped[datetime] = updated_at()


# What attendees may see of a project's photos: hidden ones are kept for the staff (and for what a
# buyer already bought), never listed, matched, sold or shared anew.
photo_shown = Photo.visibility == VISIBLE
# A photo's place in the lists: when it was taken, or uploaded when undated (newest first).
photo_sort_at = func.coalesce(Photo.taken_at, Photo.created_at)
# What the search's free words match (title, file name, tags: migration 0009_photo_search defines
# the function) and its `tag:` qualifier, each with its GIN index.
photo_search_document = func.photo_search_document(Photo.title, Photo.file_name, Photo.tags)
Index("ix_photos_search_document", photo_search_document, postgresql_using="gin")
Index("ix_photos_tags", Photo.tags, postgresql_using="gin")
# Each project's ready photos in list order: a list page reads one index range per project.
Index(
    "ix_photos_ready_sort",
    Photo.project_id,
    photo_sort_at,
    Photo.id,
    postgresql_where=Photo.status == "ready",
)


class Face(Base):
    __tablename__ = "faces"
    __table_args__ = (
        CheckConstraint(_ONE_EMBEDDING, name="one_embedding"),
        CheckConstraint("score >= 0", name="score"),
        Index("ix_faces_project_id_model", "project_id", "model"),
        _hnsw("faces", 128),
        _hnsw("faces", 512),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    photo_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("photos.id", ondelete="CASCADE"), index=True)
    # Denormalised from the photo so similarity queries filter by project without a join.
    project_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    box: Mapped[list[float]] = mapped_column(JSONB)
    landmarks: Mapped[list[list[float]] | None] = mapped_column(JSONB)
    score: Mapped[float] = mapped_column(Float)
    quality: Mapped[float] = mapped_column(Float)
    model: Mapped[str] = mapped_column(String(64))
    embedding_128: Mapped[Any] = mapped_column(Vector(128), nullable=True)
    embedding_512: Mapped[Any] = mapped_column(Vector(512), nullable=True)
    created_at: Mapped[datetime] = created_at()


class PhotoTag(Base):
    __tablename__ = "photo_tags"
    __table_args__ = (
        CheckConstraint(_in("source", TAG_SOURCES), name="source"),
        # One live tag per user per photo; soft-deleted rows do not count.
        Index(
            "uq_photo_tags_live_user_photo",
            "user_id",
            "photo_id",
            unique=True,
            postgresql_where=text("deleted_at IS NULL"),
        ),
        Index("ix_photo_tags_photo_id", "photo_id"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    photo_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("photos.id", ondelete="CASCADE"))
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    face_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("faces.id", ondelete="SET NULL"))
    source: Mapped[str] = mapped_column(String(16), server_default="auto")
    distance: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[datetime] = created_at()
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Favourite(Base):
    __tablename__ = "favourites"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    photo_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("photos.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = created_at()


class TagReport(Base):
    __tablename__ = "tag_reports"
    __table_args__ = (
        UniqueConstraint("user_id", "photo_id", "report_type"),
        CheckConstraint(_in("report_type", REPORT_TYPES), name="report_type"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    photo_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("photos.id", ondelete="CASCADE"), index=True)
    report_type: Mapped[str] = mapped_column(String(32))
    resolved: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    created_at: Mapped[datetime] = created_at()


class UploadSession(Base):
    """A resumable (S3 multipart) upload of a photo's original."""

    __tablename__ = "upload_sessions"
    __table_args__ = (
        CheckConstraint("total_bytes > 0", name="total_bytes"),
        CheckConstraint("part_size_bytes >= 5242880", name="part_size"),
        CheckConstraint(_in("state", ("active", "completed", "aborted")), name="state"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    photo_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("photos.id", ondelete="CASCADE"), unique=True)
    s3_upload_id: Mapped[str] = mapped_column(String(1024))
    object_key: Mapped[str] = mapped_column(String(512))
    total_bytes: Mapped[int] = mapped_column(BigInteger)
    part_size_bytes: Mapped[int] = mapped_column(BigInteger)
    content_type: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16), server_default="active")
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = created_at()


class ShareLink(Base):
    __tablename__ = "share_links"
    __table_args__ = (Index("ix_share_links_photo_id_user_id", "photo_id", "user_id"),)

    id: Mapped[uuid.UUID] = uuid_pk()
    # No foreign key: the buyer's link keeps working after the photo is deleted (the purchase item's
    # retained object is served then).
    photo_id: Mapped[uuid.UUID] = mapped_column()
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = created_at()


class StorageSweepCursor(Base):
    """Where the sweep of objects no row claims stopped in one storage prefix (resumed next run)."""

    __tablename__ = "storage_sweep_cursors"

    bucket: Mapped[str] = mapped_column(String(63), primary_key=True)
    prefix: Mapped[str] = mapped_column(String(128), primary_key=True)
    after_key: Mapped[str | None] = mapped_column(String(1024))
    updated_at: Mapped[datetime] = updated_at()

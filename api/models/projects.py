"""Projects (events), their terms versions, members, invites and photographer assignments."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from api.models.base import Base, created_at, updated_at, uuid_pk

PROJECT_TYPES = ("private", "public")
PROJECT_STATUSES = ("draft", "live", "closed", "archived")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Project(Base):
    __tablename__ = "projects"
    __table_args__ = (
        CheckConstraint(_in("type", PROJECT_TYPES), name="type"),
        CheckConstraint(_in("status", PROJECT_STATUSES), name="status"),
        CheckConstraint("end_at IS NULL OR start_at IS NULL OR end_at >= start_at", name="dates"),
        CheckConstraint("max_photos IS NULL OR max_photos >= 0", name="max_photos"),
        CheckConstraint("dedicated_workers >= 0", name="dedicated_workers"),
        CheckConstraint("max_storage_bytes IS NULL OR max_storage_bytes > 0", name="max_storage"),
        CheckConstraint(
            "(quota_used_photos IS NULL) = (max_photos IS NULL AND max_storage_bytes IS NULL)"
            " AND (quota_used_bytes IS NULL) = (quota_used_photos IS NULL)",
            name="quota_usage",
        ),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    operator_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("operators.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(String(16), server_default="private")
    status: Mapped[str] = mapped_column(String(16), server_default="draft")
    location_name: Mapped[str | None] = mapped_column(String(300))
    start_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    end_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    timezone: Mapped[str] = mapped_column(String(64), server_default="UTC")
    project_link: Mapped[str | None] = mapped_column(String(2048))
    terms_and_conditions: Mapped[str | None] = mapped_column(Text)
    # Quota (from the Project CR when Kubernetes is enabled); NULL means unlimited.
    max_photos: Mapped[int | None] = mapped_column(Integer)
    max_storage_bytes: Mapped[int | None] = mapped_column(BigInteger)
    # What counts against the quota (photos in QUOTA_STATUSES, their bytes) while there is one, NULL
    # otherwise: kept by the database's triggers (migration 0006_upload_quota), never written here.
    quota_used_photos: Mapped[int | None] = mapped_column(Integer)
    quota_used_bytes: Mapped[int | None] = mapped_column(BigInteger)
    # Storage bucket override; NULL means the platform's default bucket.
    bucket: Mapped[str | None] = mapped_column(String(63))
    provisioning_phase: Mapped[str] = mapped_column(String(32), server_default="Pending")
    # From the Project CR (spec.processing.dedicatedWorkers): > 0 routes its jobs to its own queue.
    dedicated_workers: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    created_at: Mapped[datetime] = created_at()
    updated_at: Mapped[datetime] = updated_at()


class TermsVersion(Base):
    __tablename__ = "terms_versions"
    __table_args__ = (
        UniqueConstraint("project_id", "version"),
        CheckConstraint("version > 0", name="version_positive"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    project_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    content: Mapped[str] = mapped_column(Text)
    effective_at: Mapped[datetime] = created_at()


class ProjectPhotographer(Base):
    __tablename__ = "project_photographers"

    project_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True
    )
    photographer_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("photographers.id", ondelete="RESTRICT"), primary_key=True, index=True
    )
    assigned_at: Mapped[datetime] = created_at()


class ProjectMember(Base):
    __tablename__ = "project_members"
    __table_args__ = (UniqueConstraint("user_id", "project_id"),)

    id: Mapped[uuid.UUID] = uuid_pk()
    project_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    terms_version_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("terms_versions.id", ondelete="SET NULL")
    )
    qr_token_jti: Mapped[str] = mapped_column(String(64), unique=True)
    qr_token_expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    joined_at: Mapped[datetime] = created_at()


class Invite(Base):
    __tablename__ = "invites"
    __table_args__ = (
        CheckConstraint("email = lower(email)", name="email_lower"),
        CheckConstraint("expires_at > created_at", name="expiry"),
        Index("ix_invites_project_id_email", "project_id", "email"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    project_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(String(320))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = created_at()
    expires_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=text("now() + interval '14 days'")
    )

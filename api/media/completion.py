"""Upload completion: the one idempotent step that the complete endpoints, the storage events and
the reconciler all call. It HEADs the object, checks its size and type, moves the status on and
enqueues the processing job exactly once (the outbox's dedup key)."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from botocore.exceptions import ClientError
from psycopg.errors import UniqueViolation
from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api.core.errors import Conflict
from api.core.storage import default_bucket, s3
from api.jobs.outbox import enqueue_job
from api.models import Photo, Project, Selfie
from api.models.photos import STORED_STATUSES, UNIQUE_FILE_INDEX
from api.settings import get_settings

log = logging.getLogger("wairo.media")


@dataclass(frozen=True)
class StoredObject:
    size: int
    content_type: str


def head(bucket: str, key: str) -> StoredObject | None:
    """The object's size and type, or None when it is not (yet) in storage."""
    try:
        meta = s3().head_object(Bucket=bucket, Key=key)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
            return None
        raise
    return StoredObject(size=int(meta.get("ContentLength", 0)), content_type=meta.get("ContentType", ""))


def photo_bucket(session: Session, photo: Photo) -> str:
    return session.scalar(select(Project.bucket).where(Project.id == photo.project_id)) or default_bucket()


def _problem(obj: StoredObject, content_type: str, declared: int | None) -> str | None:
    """Why an uploaded object cannot be accepted, or None."""
    settings = get_settings()
    if not settings.upload_min_bytes <= obj.size <= settings.upload_max_bytes:
        return (
            f"size_out_of_range: {obj.size} bytes "
            f"(allowed {settings.upload_min_bytes}..{settings.upload_max_bytes})"
        )
    if declared is not None and obj.size != declared:
        return f"size_mismatch: declared {declared} bytes, stored {obj.size}"
    if obj.content_type.split(";")[0].strip().lower() != content_type:
        return f"content_type_mismatch: expected {content_type}, stored {obj.content_type or 'none'}"
    return None


def complete_photo(session: Session, photo_id: uuid.UUID, *, obj: StoredObject | None = None) -> Photo | None:
    """Move a pending photo on once its original is in storage. Returns the photo (whatever its
    status), or None when it is pending and its object is absent. Idempotent."""
    photo = session.scalar(select(Photo).where(Photo.id == photo_id).with_for_update())
    if photo is None or photo.status != "pending_upload":
        return photo
    obj = obj or head(photo_bucket(session, photo), photo.original_key)
    if obj is None:
        return None
    problem = _problem(obj, photo.content_type, photo.size_bytes)
    if problem:
        photo.status, photo.failure_reason = "failed", problem
        log.info("photo %s rejected at completion: %s", photo.id, problem)
        return photo
    if photo.client_sha256 is not None and not _stored_alone(session, photo):
        return photo
    photo.status, photo.size_bytes = "uploaded", obj.size
    photo.jobs_enqueued_at = datetime.now(UTC)
    enqueue_job(session, "process_photo", {"photoId": str(photo.id)}, dedup_key=f"photo:{photo.id}:process")
    return photo


def _stored_alone(session: Session, photo: Photo) -> bool:
    """Store the photo (`uploaded`) unless the project already stores the same file: two uploads of
    it that raced past their upload URLs' check (api/media/service.py `_same_file`) meet here, and
    `uq_photos_client_sha256` lets one through. The other fails `duplicate_photo` (False)."""
    try:
        with session.begin_nested():
            session.execute(update(Photo).where(Photo.id == photo.id).values(status="uploaded"))
    except IntegrityError as exc:
        if not isinstance(exc.orig, UniqueViolation) or exc.orig.diag.constraint_name != UNIQUE_FILE_INDEX:
            raise
        stored = session.scalar(
            select(Photo.id).where(
                Photo.project_id == photo.project_id,
                Photo.client_sha256 == photo.client_sha256,
                Photo.status.in_(STORED_STATUSES),
            )
        )
        photo.status, photo.failure_reason = "failed", f"duplicate_photo: the project stores it as {stored}"
        log.info("photo %s rejected at completion: a duplicate of %s", photo.id, stored)
        return False
    return True


def complete_selfie(
    session: Session, selfie_id: uuid.UUID, *, obj: StoredObject | None = None
) -> Selfie | None:
    """The selfie twin of :func:`complete_photo` (same contract)."""
    selfie = session.scalar(select(Selfie).where(Selfie.id == selfie_id).with_for_update())
    if selfie is None or selfie.status != "pending_upload":
        return selfie
    obj = obj or head(default_bucket(), selfie.object_key)
    if obj is None:
        return None
    problem = _problem(obj, selfie.content_type, selfie.size_bytes)
    if problem:
        selfie.status, selfie.rejection_reason = "rejected", problem.split(":")[0]
        return selfie
    selfie.status, selfie.size_bytes = "uploaded", obj.size
    enqueue_job(
        session, "process_selfie", {"selfieId": str(selfie.id)}, dedup_key=f"selfie:{selfie.id}:process"
    )
    return selfie


def require_photo_completed(session: Session, photo_id: uuid.UUID) -> Photo:
    """The endpoint form: 409 when the object is not in storage (or the upload expired)."""
    photo = complete_photo(session, photo_id)
    if photo is None:
        raise Conflict("The photo has not been uploaded to storage yet.", code="object_not_found")
    if photo.status == "expired":
        raise Conflict("The upload URL expired before the photo was uploaded.", code="upload_expired")
    return photo


def require_selfie_completed(session: Session, selfie_id: uuid.UUID) -> Selfie:
    selfie = complete_selfie(session, selfie_id)
    if selfie is None:
        raise Conflict("The selfie has not been uploaded to storage yet.", code="object_not_found")
    if selfie.status == "expired":
        raise Conflict("The upload URL expired before the selfie was uploaded.", code="upload_expired")
    return selfie


def on_storage_event(session: Session, bucket: str, key: str) -> bool:
    """An S3 "object created" notification; True when it completed a known pending upload."""
    in_bucket = Project.bucket == bucket
    if bucket == default_bucket():
        in_bucket = or_(in_bucket, Project.bucket.is_(None))
    photo_id = session.scalar(
        select(Photo.id)
        .join(Project, Project.id == Photo.project_id)
        .where(Photo.original_key == key, Photo.status == "pending_upload", in_bucket)
    )
    if photo_id is not None:
        photo = complete_photo(session, photo_id)
        return photo is not None and photo.status != "pending_upload"
    if bucket != default_bucket():
        return False
    selfie_id = session.scalar(
        select(Selfie.id).where(Selfie.object_key == key, Selfie.status == "pending_upload")
    )
    if selfie_id is not None:
        selfie = complete_selfie(session, selfie_id)
        return selfie is not None and selfie.status != "pending_upload"
    return False

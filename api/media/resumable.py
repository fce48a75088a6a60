"""Resumable uploads (spec/image-hosting-api.md, camelCase): an S3 multipart upload of a pending
photo's original, one presigned URL per part, completed into the same completion step."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from botocore.exceptions import ClientError
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.core.errors import Conflict, NotFound, Unprocessable
from api.core.storage import s3, s3_presigner
from api.media.completion import complete_photo, photo_bucket
from api.media.schemas import CompleteUploadIn, ResumableIn
from api.models import Photo, Photographer, Project, UploadSession
from api.projects.lifecycle import photographer_sees
from api.settings import get_settings

PART_SIZE_BYTES = 8 * 1024 * 1024
MAX_PARTS = 10_000
SESSION_TTL = timedelta(hours=24)
# What each part's PUT must send: its URL (`part_url`) is signed for the Host alone.
PART_HEADERS: dict[str, str] = {}


def start(session: Session, photographer: Photographer, body: ResumableIn) -> UploadSession:
    photo = session.scalar(
        select(Photo)
        .join(Project, Project.id == Photo.project_id)
        .where(Photo.id == body.photo_id, Photo.photographer_id == photographer.id, photographer_sees())
        .with_for_update(of=Photo)
    )
    if photo is None:
        raise NotFound("Photo not found.")
    if photo.status != "pending_upload":
        raise Conflict(f"The photo is {photo.status}, not waiting for an upload.", code="not_pending")
    if body.content_type != photo.content_type:
        raise Unprocessable("contentType differs from the photo's.", code="content_type_mismatch")
    if photo.size_bytes is not None and body.total_bytes != photo.size_bytes:
        raise Unprocessable("totalBytes differs from the photo's declared size.", code="size_mismatch")
    existing = session.scalar(select(UploadSession).where(UploadSession.photo_id == photo.id))
    if existing is not None:
        if existing.state == "active":
            return existing  # resuming: the same session again
        raise Conflict("The photo's resumable upload has ended.", code="session_ended")
    bucket = photo_bucket(session, photo)
    created = s3().create_multipart_upload(
        Bucket=bucket, Key=photo.original_key, ContentType=photo.content_type
    )
    expires_at = datetime.now(UTC) + SESSION_TTL
    photo.size_bytes, photo.upload_expires_at = body.total_bytes, expires_at
    upload = UploadSession(
        photo_id=photo.id,
        s3_upload_id=created["UploadId"],
        object_key=photo.original_key,
        total_bytes=body.total_bytes,
        part_size_bytes=PART_SIZE_BYTES,
        content_type=photo.content_type,
        state="active",
        expires_at=expires_at,
    )
    session.add(upload)
    session.flush()
    return upload


def _own_session(
    session: Session, photographer: Photographer, session_id: uuid.UUID, *, lock: bool = False
) -> tuple[UploadSession, Photo]:
    stmt = (
        select(UploadSession, Photo)
        .join(Photo, Photo.id == UploadSession.photo_id)
        .join(Project, Project.id == Photo.project_id)
        .where(UploadSession.id == session_id, Photo.photographer_id == photographer.id, photographer_sees())
    )
    row = session.execute(stmt.with_for_update(of=UploadSession) if lock else stmt).first()
    if row is None:
        raise NotFound("Upload session not found.")
    upload, photo = row
    return upload, photo


def _active(upload: UploadSession) -> None:
    if upload.state != "active":
        raise Conflict(f"The upload session is {upload.state}.", code="session_ended")
    if upload.expires_at <= datetime.now(UTC):
        raise Conflict("The upload session expired.", code="session_expired")


def part_url(session: Session, photographer: Photographer, session_id: uuid.UUID, part_number: int) -> str:
    upload, photo = _own_session(session, photographer, session_id)
    _active(upload)
    parts = -(-upload.total_bytes // upload.part_size_bytes)
    if not 1 <= part_number <= min(parts, MAX_PARTS):
        raise Unprocessable(f"partNumber must be between 1 and {parts}.", code="invalid_part_number")
    return s3_presigner().generate_presigned_url(
        "upload_part",
        Params={
            "Bucket": photo_bucket(session, photo),
            "Key": upload.object_key,
            "UploadId": upload.s3_upload_id,
            "PartNumber": part_number,
        },
        ExpiresIn=get_settings().upload_url_ttl_s,
    )


def complete(
    session: Session, photographer: Photographer, session_id: uuid.UUID, body: CompleteUploadIn
) -> Photo:
    upload, photo = _own_session(session, photographer, session_id, lock=True)
    _active(upload)
    numbers = [p.part_number for p in body.parts]
    if numbers != sorted(set(numbers)):
        raise Unprocessable("parts must be in ascending partNumber order, each once.", code="invalid_parts")
    try:
        s3().complete_multipart_upload(
            Bucket=photo_bucket(session, photo),
            Key=upload.object_key,
            UploadId=upload.s3_upload_id,
            MultipartUpload={"Parts": [{"PartNumber": p.part_number, "ETag": p.etag} for p in body.parts]},
        )
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "")
        if code in ("InvalidPart", "InvalidPartOrder", "EntityTooSmall", "NoSuchUpload"):
            raise Conflict(
                f"Storage refused to complete the upload: {code}.", code="multipart_invalid"
            ) from exc
        raise
    upload.state = "completed"
    done = complete_photo(session, photo.id)
    if done is None:
        raise Conflict("The completed object is not in storage.", code="object_not_found")
    return done


def abort(session: Session, photographer: Photographer, session_id: uuid.UUID) -> None:
    upload, photo = _own_session(session, photographer, session_id, lock=True)
    if upload.state == "completed":
        raise Conflict("The upload session is already completed.", code="session_ended")
    if upload.state == "active":
        abort_in_storage(photo_bucket(session, photo), upload)
        upload.state = "aborted"
        if photo.status == "pending_upload":  # the photo's upload is given up with its session
            photo.status = "expired"


def abort_in_storage(bucket: str, upload: UploadSession) -> None:
    try:
        s3().abort_multipart_upload(Bucket=bucket, Key=upload.object_key, UploadId=upload.s3_upload_id)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") != "NoSuchUpload":
            raise

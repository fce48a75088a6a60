"""The processing steps of photos and selfies (what the Celery tasks run). Each step is idempotent:
it skips what a previous run already recorded (metadata, a variant, the faces), so a retried or
re-delivered job resumes where the last one stopped. Bytes come from storage, never the broker."""

from __future__ import annotations

import hashlib
import logging
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from PIL import Image
from sqlalchemy import select, update

from api.core.db import session_scope
from api.core.storage import default_bucket, s3
from api.jobs.outbox import enqueue_job
from api.models import Face, Operator, Photo, Project, ProjectMember, Selfie
from api.processing import exif, images, metrics
from api.processing.selfie_rules import selfie_rejection_reason
from api.processing.vision_client import NotAnImage, ObjectMissing, analyze, check_item, embedding_columns
from wairo_contracts.keys import THUMBNAILS, WATERMARKED, photo_key
from wairo_contracts.vision import AnalyzeResult

log = logging.getLogger("wairo.processing")


class StorageIncomplete(RuntimeError):
    """Storage answered but did not do all of it (some deletes refused): retried like an outage."""


class ChecksumMismatch(ValueError):
    """The stored original is not the file the client hashed (its `clientSha256`)."""


def read_object(bucket: str, key: str) -> bytes:
    body: bytes = s3().get_object(Bucket=bucket, Key=key)["Body"].read()
    return body


def put_jpeg(bucket: str, key: str, data: bytes) -> None:
    s3().put_object(Bucket=bucket, Key=key, Body=data, ContentType="image/jpeg")


@dataclass
class PhotoJob:
    """What the steps need to know about a photo, read once at the start of a run, and what this
    run made that is not recorded yet."""

    id: uuid.UUID
    project_id: uuid.UUID
    bucket: str
    original_key: str
    timezone: str
    watermark_text: str
    has_metadata: bool
    client_sha256: str | None = None
    variants: dict[str, str] = field(default_factory=dict)
    has_faces: bool = False
    metadata: tuple[dict[str, Any], datetime | None] | None = None  # (exif, taken_at)
    produced: dict[str, str] = field(default_factory=dict)  # variants stored, not yet recorded
    _data: bytes | None = None
    _upright: Image.Image | None = None

    def data(self) -> bytes:
        """The original's bytes (read from storage once per run), checked against the client's
        SHA-256 when it gave one, before any step uses them."""
        if self._data is None:
            data = read_object(self.bucket, self.original_key)
            if self.client_sha256 is not None and hashlib.sha256(data).hexdigest() != self.client_sha256:
                raise ChecksumMismatch(f"the stored original's SHA-256 is not {self.client_sha256}")
            self._data = data
        return self._data

    def upright(self) -> Image.Image:
        """The photo decoded once, at most at the watermark's size (images.decode_upright)."""
        if self._upright is None:
            self._upright = images.decode_upright(self.data())
        return self._upright


def start_photo(photo_id: uuid.UUID) -> PhotoJob | None:
    """What a run needs, read without a lock or a write (`record_progress` takes the lock); None
    when there is nothing to do (deleted, done, not uploaded)."""
    with session_scope() as session:
        row = session.execute(
            select(Photo, Project, Operator)
            .join(Project, Project.id == Photo.project_id)
            .join(Operator, Operator.id == Project.operator_id)
            .where(Photo.id == photo_id)
        ).first()
        if row is None:
            return None
        photo, project, operator = row
        if photo.status not in ("uploaded", "processing"):
            return None
        return PhotoJob(
            id=photo.id,
            project_id=photo.project_id,
            bucket=project.bucket or default_bucket(),
            original_key=photo.original_key,
            timezone=project.timezone,
            watermark_text=f"© {operator.company_name or operator.name}",
            has_metadata=photo.exif is not None,
            client_sha256=photo.client_sha256,
            variants=dict(photo.variants),
            has_faces=photo.face_count is not None,
        )


def extract_metadata(job: PhotoJob) -> None:
    if not job.has_metadata:
        job.metadata = exif.extract(images.open_image(job.data()), job.timezone)


def generate_thumbnails(job: PhotoJob) -> None:
    missing = [name for name in THUMBNAILS if name not in job.variants]
    if not missing:
        return
    for name, image in images.thumbnails(job.upright()).items():
        if name in missing:
            key = photo_key(job.project_id, job.id, name)
            put_jpeg(job.bucket, key, images.encode_thumbnail(image))
            job.produced[name] = key


def generate_watermark(job: PhotoJob) -> None:
    if WATERMARKED in job.variants:
        return
    key = photo_key(job.project_id, job.id, WATERMARKED)
    put_jpeg(job.bucket, key, images.encode_watermark(images.watermark(job.upright(), job.watermark_text)))
    job.produced[WATERMARKED] = key


def mark_processing(photo_id: uuid.UUID) -> None:
    """`processing` from now, unless the photo is deleted, done or failed."""
    with session_scope() as session:
        session.execute(
            update(Photo)
            .where(Photo.id == photo_id, Photo.status.in_(("uploaded", "processing")))
            .values(status="processing", processing_started_at=datetime.now(UTC))
        )


def record_progress(job: PhotoJob) -> bool:
    """One transaction before the vision call: the photo is `processing` from now (each run
    restarts the clock the reconciler reads) and the metadata and variants this run made are
    recorded, so a run after a crash skips them. False when the run stops here: the photo was
    deleted meanwhile (the new objects are removed) or is no longer to be processed."""
    with session_scope() as session:
        photo = session.scalar(select(Photo).where(Photo.id == job.id).with_for_update())
        if photo is None:
            if job.produced:
                s3().delete_objects(
                    Bucket=job.bucket,
                    Delete={"Objects": [{"Key": k} for k in job.produced.values()], "Quiet": True},
                )
            return False
        if job.metadata is not None and photo.exif is None:
            data, taken_at = job.metadata
            photo.exif, photo.taken_at, photo.width, photo.height = (
                data,
                taken_at,
                data["width"],
                data["height"],
            )
        if job.produced:
            photo.variants = {**photo.variants, **job.produced}
        if photo.status not in ("uploaded", "processing"):
            return False
        photo.status, photo.processing_started_at = "processing", datetime.now(UTC)
    job.variants.update(job.produced)
    job.produced.clear()
    job.has_metadata = True
    return True


def detect_faces(job: PhotoJob) -> AnalyzeResult | None:
    """The photo's faces from the vision service; None when a run already stored them."""
    if job.has_faces:
        return None
    result = analyze(job.bucket, job.original_key)
    try:
        check_item(result)
    except NotAnImage as exc:
        raise images.CorruptImage(f"vision: {exc}") from exc
    return result


def finish_photo(job: PhotoJob, result: AnalyzeResult | None) -> None:
    """One transaction: the faces into `faces`, `ready`, and `cluster_faces` queued for every
    member with an approved selfie. Faces and `face_count` are written together, so a photo
    without a count has no faces; the row lock makes two runs of this step (a redelivered job
    racing the original) store one set: the second sees the first's count."""
    with session_scope() as session:
        photo = session.get(Photo, job.id, with_for_update=True)
        if photo is None:
            return
        if result is not None and photo.face_count is None:
            session.add_all(
                Face(
                    photo_id=job.id,
                    project_id=job.project_id,
                    box=list(face.box),
                    landmarks=[list(p) for p in face.landmarks],
                    score=face.score,
                    quality=face.quality.score,
                    model=face.model,
                    **embedding_columns(face),
                )
                for face in result.faces
            )
            photo.face_count = len(result.faces)
        job.has_faces = photo.face_count is not None
        if photo.status != "processing":
            return
        photo.status, photo.failure_reason = "ready", None
        members = session.scalars(
            select(ProjectMember.user_id)
            .where(ProjectMember.project_id == job.project_id)
            .where(
                select(Selfie.id)
                .where(Selfie.user_id == ProjectMember.user_id, Selfie.status == "approved")
                .exists()
            )
        ).all()
        for user_id in members:
            enqueue_job(
                session,
                "cluster_faces",
                {"userId": str(user_id), "projectId": str(job.project_id)},
                dedup_key=f"cluster_faces:{user_id}:{job.project_id}:photo:{job.id}",
            )
    metrics.photo_ready(photo.created_at)  # committed


def run_photo_steps(job: PhotoJob) -> None:
    """Metadata, thumbnails and watermark, recorded in one transaction; then the faces and `ready`
    in a second. An original that is not the file the client hashed fails the photo
    (`checksum_mismatch`) before anything is made from it."""
    try:
        extract_metadata(job)
        generate_thumbnails(job)
        generate_watermark(job)
    except ChecksumMismatch as exc:
        fail_photo(job.id, f"checksum_mismatch: {exc}")
        return
    if record_progress(job):
        finish_photo(job, detect_faces(job))


def fail_photo(photo_id: uuid.UUID, reason: str) -> None:
    with session_scope() as session:
        session.execute(
            update(Photo)
            .where(Photo.id == photo_id, Photo.status.in_(("uploaded", "processing")))
            .values(status="failed", failure_reason=reason[:500])
        )


# --- selfies ------------------------------------------------------------------------------------


def process_selfie(selfie_id: uuid.UUID) -> str | None:
    """Approve (one good face: its embedding is kept) or reject with a reason; returns the status."""
    with session_scope() as session:
        selfie = session.scalar(select(Selfie).where(Selfie.id == selfie_id).with_for_update())
        if selfie is None or selfie.status not in ("uploaded", "processing"):
            return selfie.status if selfie else None
        selfie.status = "processing"
        key, user_id = selfie.object_key, selfie.user_id
    result = analyze(default_bucket(), key)
    with session_scope() as session:
        selfie = session.scalar(select(Selfie).where(Selfie.id == selfie_id).with_for_update())
        if selfie is None or selfie.status != "processing":
            return selfie.status if selfie else None
        try:
            check_item(result)
        except (NotAnImage, ObjectMissing):
            selfie.status, selfie.rejection_reason = "rejected", "invalid_image"
            return selfie.status
        reason = selfie_rejection_reason([f.quality for f in result.faces])
        if reason:
            selfie.status, selfie.rejection_reason = "rejected", reason
            return selfie.status
        face = max(result.faces, key=lambda f: f.quality.size_px)
        columns = embedding_columns(face)
        selfie.status, selfie.rejection_reason, selfie.model = "approved", None, face.model
        selfie.embedding_128, selfie.embedding_512 = columns["embedding_128"], columns["embedding_512"]
        projects = session.scalars(select(ProjectMember.project_id).where(ProjectMember.user_id == user_id))
        for project_id in projects:
            enqueue_job(
                session,
                "cluster_faces",
                {"userId": str(user_id), "projectId": str(project_id)},
                dedup_key=f"cluster_faces:{user_id}:{project_id}:selfie:{selfie_id}",
            )
        return selfie.status


def fail_selfie(selfie_id: uuid.UUID, reason: str) -> None:
    with session_scope() as session:
        session.execute(
            update(Selfie)
            .where(Selfie.id == selfie_id, Selfie.status.in_(("uploaded", "processing")))
            .values(status="rejected", rejection_reason=reason[:64])
        )


# --- storage ------------------------------------------------------------------------------------


def delete_objects(bucket: str, keys: list[str], prefixes: list[str]) -> int:
    """Delete the keys and everything under the prefixes; returns how many were asked for."""
    client = s3()
    targets = list(keys)
    for prefix in prefixes:
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            targets.extend(obj["Key"] for obj in page.get("Contents", []))
    for start in range(0, len(targets), 1000):
        chunk = targets[start : start + 1000]
        response = client.delete_objects(
            Bucket=bucket, Delete={"Objects": [{"Key": k} for k in chunk], "Quiet": True}
        )
        if response.get("Errors"):
            raise StorageIncomplete(f"storage refused to delete {len(response['Errors'])} object(s)")
    return len(targets)

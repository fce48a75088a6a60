"""The processing steps of photos and selfies (what the Celery tasks run). Each step is idempotent:
it skips what a previous run already recorded (metadata, a variant, the faces), so a retried or
re-delivered job resumes where the last one stopped. Bytes come from storage, never the broker."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, select, update

from api.core.db import session_scope
from api.core.storage import default_bucket, s3
from api.jobs.outbox import enqueue_job
from api.models import Face, Operator, Photo, Project, ProjectMember, Selfie
from api.processing import exif, images, metrics
from api.processing.selfie_rules import selfie_rejection_reason
from api.processing.vision_client import NotAnImage, ObjectMissing, analyze, check_item, embedding_columns
from wairo_contracts.keys import THUMBNAILS, WATERMARKED, photo_key

log = logging.getLogger("wairo.processing")


class StorageIncomplete(RuntimeError):
    """Storage answered but did not do all of it (some deletes refused): retried like an outage."""


def read_object(bucket: str, key: str) -> bytes:
    body: bytes = s3().get_object(Bucket=bucket, Key=key)["Body"].read()
    return body


def put_jpeg(bucket: str, key: str, data: bytes) -> None:
    s3().put_object(Bucket=bucket, Key=key, Body=data, ContentType="image/jpeg")


@dataclass
class PhotoJob:
    """What the steps need to know about a photo, read once at the start of a run."""

    id: uuid.UUID
    project_id: uuid.UUID
    bucket: str
    original_key: str
    timezone: str
    watermark_text: str
    has_metadata: bool
    variants: dict[str, str] = field(default_factory=dict)
    has_faces: bool = False
    _image: Any = None

    def image(self) -> Any:
        if self._image is None:
            self._image = images.open_image(read_object(self.bucket, self.original_key))
        return self._image


def start_photo(photo_id: uuid.UUID) -> PhotoJob | None:
    """Mark the photo `processing` from now (each run restarts the clock the reconciler reads);
    None when there is nothing to do (deleted, done, not uploaded)."""
    with session_scope() as session:
        row = session.execute(
            select(Photo, Project, Operator)
            .join(Project, Project.id == Photo.project_id)
            .join(Operator, Operator.id == Project.operator_id)
            .where(Photo.id == photo_id)
            .with_for_update(of=Photo)
        ).first()
        if row is None:
            return None
        photo, project, operator = row
        if photo.status not in ("uploaded", "processing"):
            return None
        photo.status, photo.processing_started_at = "processing", datetime.now(UTC)
        return PhotoJob(
            id=photo.id,
            project_id=photo.project_id,
            bucket=project.bucket or default_bucket(),
            original_key=photo.original_key,
            timezone=project.timezone,
            watermark_text=f"© {operator.company_name or operator.name}",
            has_metadata=photo.exif is not None,
            variants=dict(photo.variants),
            has_faces=photo.face_count is not None,
        )


def _record_variants(job: PhotoJob, produced: dict[str, str]) -> None:
    """Add variants to the photo; when the photo was deleted meanwhile, remove the new objects."""
    with session_scope() as session:
        photo = session.scalar(select(Photo).where(Photo.id == job.id).with_for_update())
        if photo is None:
            s3().delete_objects(
                Bucket=job.bucket, Delete={"Objects": [{"Key": k} for k in produced.values()], "Quiet": True}
            )
            return
        photo.variants = {**photo.variants, **produced}
    job.variants.update(produced)


def extract_metadata(job: PhotoJob) -> None:
    if job.has_metadata:
        return
    data, taken_at = exif.extract(job.image(), job.timezone)
    with session_scope() as session:
        session.execute(
            update(Photo)
            .where(Photo.id == job.id)
            .values(exif=data, taken_at=taken_at, width=data["width"], height=data["height"])
        )
    job.has_metadata = True


def generate_thumbnails(job: PhotoJob) -> None:
    missing = [name for name in THUMBNAILS if name not in job.variants]
    if not missing:
        return
    produced = {}
    for name in missing:
        key = photo_key(job.project_id, job.id, name)
        put_jpeg(job.bucket, key, images.thumbnail(job.image(), THUMBNAILS[name]))
        produced[name] = key
    _record_variants(job, produced)


def generate_watermark(job: PhotoJob) -> None:
    if WATERMARKED in job.variants:
        return
    key = photo_key(job.project_id, job.id, WATERMARKED)
    put_jpeg(job.bucket, key, images.watermark(job.image(), job.watermark_text))
    _record_variants(job, {WATERMARKED: key})


def detect_faces(job: PhotoJob) -> None:
    """Faces from the vision service into `faces` (replacing any earlier run's)."""
    if job.has_faces:
        return
    result = analyze(job.bucket, job.original_key)
    try:
        check_item(result)
    except NotAnImage as exc:
        raise images.CorruptImage(f"vision: {exc}") from exc
    with session_scope() as session:
        # The row lock makes two runs of this step (a redelivered job racing the original) store
        # one set of faces: the second sees the first's face_count and stops.
        photo = session.get(Photo, job.id, with_for_update=True)
        if photo is None or photo.face_count is not None:
            job.has_faces = photo is not None
            return
        session.execute(delete(Face).where(Face.photo_id == job.id))
        for face in result.faces:
            session.add(
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
            )
        session.execute(update(Photo).where(Photo.id == job.id).values(face_count=len(result.faces)))
    job.has_faces = True


def finish_photo(job: PhotoJob) -> None:
    """`ready`, then match the new faces against every member with an approved selfie."""
    with session_scope() as session:
        done = session.execute(
            update(Photo)
            .where(Photo.id == job.id, Photo.status == "processing")
            .values(status="ready", failure_reason=None)
            .returning(Photo.created_at)
        ).first()
        if done is None:
            return
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
    metrics.photo_ready(done.created_at)  # committed


def run_photo_steps(job: PhotoJob) -> None:
    extract_metadata(job)
    generate_thumbnails(job)
    generate_watermark(job)
    detect_faces(job)
    finish_photo(job)


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

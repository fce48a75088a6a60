"""Celery tasks of the media pipeline. Payloads are camelCase JSON (they come from the outbox):

- `process_photo` {photoId}: extract_metadata → generate_thumbnail → generate_watermark →
  detect_faces → ready (each step skipped when already done), then `cluster_faces` per member;
  (the design's extract_metadata, generate_thumbnail, generate_watermark and detect_faces jobs
  are the steps of this one job, in api/processing/pipeline.py, so a photo is read once);
- `process_selfie` {selfieId}; `cluster_faces` {userId, projectId};
- `rematch_project` {projectId}: the whole project re-matched in one batched vision job (after a
  model or threshold change; operators trigger it with `POST /v1/projects/{id}:rematch`);
- `delete_objects` {keys?, prefixes?, bucket?};
- `sync_face_indexes` (beat, every 10 minutes): the largest projects' own HNSW indexes
  (api/processing/face_indexes.py).

Storage errors are retried with exponential backoff (1 s, 2 s, 4 s, …); an unavailable vision
service keeps the item `processing` and retries longer; a corrupt image fails at once, with a
reason; any other error is retried a few times; after the last retry the photo is `failed` with a
reason (retry endpoint: POST /v1/photos/{id}:retry). A photo whose run never ended (a worker
lost) is queued again by media's reconciler (api/media/reconciler.py, `reconcile_uploads`).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable

from botocore.exceptions import BotoCoreError, ClientError
from celery import Task
from sqlalchemy.exc import SQLAlchemyError

from api.core.db import get_engine, session_scope
from api.core.storage import default_bucket
from api.jobs.worker import celery_app
from api.processing import face_indexes, matching, pipeline, vision_client
from api.processing.images import CorruptImage
from api.processing.vision_client import ObjectMissing, VisionUnavailable

log = logging.getLogger("wairo.processing")

STORAGE_RETRIES = 5  # 1 + 2 + 4 + 8 + 16 s
VISION_RETRIES = 12  # backoff capped at 60 s: about ten minutes
UNEXPECTED_RETRIES = 4  # 1 + 2 + 4 + 8 s
STORAGE_ERRORS = (ClientError, BotoCoreError, pipeline.StorageIncomplete)


def _missing_object(exc: Exception) -> bool:
    return isinstance(exc, ClientError) and exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404")


def _backoff(task: Task, exc: Exception, retries: int, cap_s: int = 60) -> Exception:
    return task.retry(exc=exc, countdown=min(2**task.request.retries, cap_s), max_retries=retries)


def _retry_photo(task: Task, photo_id: uuid.UUID, exc: Exception, retries: int) -> Exception:
    """The photo waits for its retry `processing` (a run that failed before recording anything has
    not marked it yet; the reconciler's clock restarts), then the retry with backoff."""
    try:
        pipeline.mark_processing(photo_id)
    except SQLAlchemyError:  # the database is what failed: the retry will mark it
        log.warning("photo %s: could not mark it processing before its retry", photo_id, exc_info=True)
    return _backoff(task, exc, retries)


def _run_photo(task: Task, photo_id: str, steps: Callable[[pipeline.PhotoJob], None]) -> None:
    pid = uuid.UUID(photo_id)
    try:
        job = pipeline.start_photo(pid)
        if job is None:
            return
        steps(job)
    except CorruptImage as exc:
        pipeline.fail_photo(pid, f"corrupt_image: {exc}")
    except ObjectMissing:
        pipeline.fail_photo(pid, "original_missing: the uploaded object is no longer in storage")
    except STORAGE_ERRORS as exc:
        if _missing_object(exc):
            pipeline.fail_photo(pid, "original_missing: the uploaded object is no longer in storage")
        elif task.request.retries >= STORAGE_RETRIES:
            pipeline.fail_photo(pid, f"storage_error: {exc}")
        else:
            log.warning("photo %s: storage error, retrying: %s", pid, exc)
            raise _retry_photo(task, pid, exc, STORAGE_RETRIES) from exc
    except VisionUnavailable as exc:
        if task.request.retries >= VISION_RETRIES:
            pipeline.fail_photo(pid, f"vision_unavailable: {exc}")
        else:
            log.warning("photo %s: vision unavailable, retrying: %s", pid, exc)
            raise _retry_photo(task, pid, exc, VISION_RETRIES) from exc
    except Exception as exc:  # anything else (a bug, a database hiccup): retried, then failed
        if task.request.retries >= UNEXPECTED_RETRIES:
            log.exception("photo %s: processing failed", pid)
            pipeline.fail_photo(pid, f"processing_error: {type(exc).__name__}: {exc}")
        else:
            log.warning("photo %s: unexpected error, retrying: %r", pid, exc)
            raise _retry_photo(task, pid, exc, UNEXPECTED_RETRIES) from exc


@celery_app.task(name="process_photo", bind=True, max_retries=VISION_RETRIES, ignore_result=True)
def process_photo(self: Task, photoId: str) -> None:
    _run_photo(self, photoId, pipeline.run_photo_steps)


@celery_app.task(name="process_selfie", bind=True, max_retries=VISION_RETRIES)
def process_selfie(self: Task, selfieId: str) -> str | None:
    sid = uuid.UUID(selfieId)
    try:
        return pipeline.process_selfie(sid)
    except (*STORAGE_ERRORS, VisionUnavailable) as exc:
        if self.request.retries >= VISION_RETRIES:
            pipeline.fail_selfie(sid, "unavailable")
            return "rejected"
        raise _backoff(self, exc, VISION_RETRIES) from exc


@celery_app.task(name="cluster_faces")
def cluster_faces(userId: str, projectId: str) -> int:
    with session_scope() as session:
        return matching.cluster_faces(session, uuid.UUID(userId), uuid.UUID(projectId))


@celery_app.task(name="sync_face_indexes", ignore_result=True)
def sync_face_indexes() -> None:
    changes = face_indexes.run_sync(get_engine())
    if changes is not None and (changes.created or changes.dropped):
        log.info("per-project face indexes: created %s, dropped %s", changes.created, changes.dropped)


celery_app.conf.beat_schedule["sync-face-indexes"] = {"task": "sync_face_indexes", "schedule": 600.0}


@celery_app.task(name="rematch_project", bind=True, max_retries=VISION_RETRIES)
def rematch_project(self: Task, projectId: str) -> dict[str, int]:
    try:
        with session_scope() as session:
            summary = matching.rematch_project(session, uuid.UUID(projectId), vision_client.match)
    except VisionUnavailable as exc:
        log.warning("project %s: vision unavailable for the re-match, retrying: %s", projectId, exc)
        raise _backoff(self, exc, VISION_RETRIES) from exc
    log.info("project %s re-matched: %s", projectId, summary)
    return summary.as_dict()


@celery_app.task(name="delete_objects", bind=True, max_retries=10)
def delete_objects(
    self: Task, keys: list[str] | None = None, prefixes: list[str] | None = None, bucket: str | None = None
) -> int:
    try:
        return pipeline.delete_objects(bucket or default_bucket(), keys or [], prefixes or [])
    except STORAGE_ERRORS as exc:
        if isinstance(exc, ClientError) and exc.response.get("Error", {}).get("Code") == "NoSuchBucket":
            return 0  # a project's own bucket already removed (the operator's finalizer): nothing left
        raise _backoff(self, exc, 10, cap_s=300) from exc

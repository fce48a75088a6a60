"""The reconciler (the `reconcile_uploads` beat job, every 30 s): the third way upload completions
are found, after the client's `complete` call and the storage event (api/media/completion.py);
lapsed uploads expire, stale multipart uploads are aborted, and photos whose processing run never
ended are queued again."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from api.core.db import session_scope
from api.core.storage import default_bucket
from api.jobs.outbox import enqueue_job
from api.media.completion import complete_photo, complete_selfie
from api.media.resumable import abort_in_storage
from api.models import Photo, Project, Selfie, UploadSession
from api.settings import get_settings

log = logging.getLogger("wairo.processing")  # its channel from before it moved out of processing
# complete_photo or complete_selfie: the row (whatever its status), or None while its object is absent.
Complete = Callable[[Session, uuid.UUID], Photo | Selfie | None]


def reconcile_uploads(limit: int = 500) -> dict[str, int]:
    """The third way completions are found: HEAD pending uploads, complete those present, expire
    those whose URL (or resumable session) lapsed with nothing uploaded, abort stale multipart
    uploads. Expired rows are kept with status `expired` (they are not listed and hold no quota).
    Last, photos stuck in `processing` are queued again (`requeue_stuck_photos`)."""
    counts = {"completed": 0, "expired": 0, "aborted": 0}
    now = datetime.now(UTC)
    counts["requeued"] = requeue_stuck_photos(now, limit)
    with session_scope() as session:
        stale = session.execute(
            select(UploadSession, Project.bucket)
            .join(Photo, Photo.id == UploadSession.photo_id)
            .join(Project, Project.id == Photo.project_id)
            .where(UploadSession.state == "active", UploadSession.expires_at < now)
            .limit(limit)
            .with_for_update(of=UploadSession, skip_locked=True)
        ).all()
        for upload, bucket in stale:
            abort_in_storage(bucket or default_bucket(), upload)
            upload.state = "aborted"
            counts["aborted"] += 1
            counts["expired"] += _expire(session, Photo, upload.photo_id, now, lapsed=False)
    with session_scope() as session:
        active = select(UploadSession.photo_id).where(UploadSession.state == "active")
        photo_ids = session.scalars(
            select(Photo.id)
            .where(Photo.status == "pending_upload", Photo.id.not_in(active))
            .order_by(Photo.created_at)
            .limit(limit)
        ).all()
        selfie_ids = session.scalars(
            select(Selfie.id)
            .where(Selfie.status == "pending_upload")
            .order_by(Selfie.created_at)
            .limit(limit)
        ).all()
    pending: list[tuple[Complete, type[Photo] | type[Selfie], Sequence[uuid.UUID]]] = [
        (complete_photo, Photo, photo_ids),
        (complete_selfie, Selfie, selfie_ids),
    ]
    for complete, model, row_ids in pending:
        for row_id in row_ids:
            with session_scope() as session:
                row = complete(session, row_id)
                if row is None:
                    counts["expired"] += _expire(session, model, row_id, now)
                elif row.status != "pending_upload":
                    counts["completed"] += 1
    return counts


def requeue_stuck_photos(now: datetime, limit: int = 500) -> int:
    """Queue `process_photo` again for photos whose last run started more than
    `processing_stale_after_s` ago and never ended (its worker died, its job was lost). The dedup
    key names the stuck run, so repeated passes queue one job per stuck run, and a photo that gets
    stuck again after the new run started is queued again."""
    cutoff = now - timedelta(seconds=get_settings().processing_stale_after_s)
    with session_scope() as session:
        stuck = session.execute(
            select(Photo.id, Photo.processing_started_at)
            .where(
                Photo.status == "processing",
                or_(Photo.processing_started_at.is_(None), Photo.processing_started_at < cutoff),
            )
            .order_by(Photo.processing_started_at.nulls_first())
            .limit(limit)
        ).all()
        for photo_id, started_at in stuck:
            run = started_at.isoformat() if started_at else "unknown"
            log.warning("photo %s stuck in processing since %s: queued again", photo_id, run)
            key = f"photo:{photo_id}:stuck:{run}"
            enqueue_job(session, "process_photo", {"photoId": str(photo_id)}, dedup_key=key)
    return len(stuck)


def _expire(
    session: Session, model: type[Photo] | type[Selfie], row_id: uuid.UUID, now: datetime, lapsed: bool = True
) -> int:
    """Mark a pending upload `expired` (only once its URL lapsed, unless `lapsed` is False)."""
    stmt = update(model).where(model.id == row_id, model.status == "pending_upload")
    if lapsed:
        stmt = stmt.where(model.upload_expires_at < now)
    result = session.execute(stmt.values(status="expired").returning(model.id))
    return len(result.all())

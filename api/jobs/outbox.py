"""Transactional outbox: services write jobs and mail in the request's transaction; they are
published to Celery only after that transaction commits (at once, by the `after_commit` hook this
module registers with api.core.db, and by the beat relay as a safety net when the broker was down),
so a job is never lost and never sent for a rollback."""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from api.core.db import after_commit, session_scope
from api.jobs import worker
from api.jobs.routing import job_queue
from api.models import EmailMessage, OutboxMessage

log = logging.getLogger("wairo.outbox")
_PENDING_FLAG = "outbox_pending"


def enqueue_job(
    session: Session,
    task: str,
    payload: dict[str, Any],
    dedup_key: str | None = None,
) -> None:
    """Record a job; with a dedup key it is recorded (hence run) once, however often this is called.
    Its queue is chosen here, for every job, by api/jobs/routing.py (a project's processing jobs go
    to the project's own queue when it has dedicated workers)."""
    stmt = insert(OutboxMessage).values(
        kind="job", task=task, payload=payload, dedup_key=dedup_key, queue=job_queue(session, task, payload)
    )
    if dedup_key is not None:
        stmt = stmt.on_conflict_do_nothing(index_elements=["dedup_key"])
    session.execute(stmt)
    session.info[_PENDING_FLAG] = True


def queue_email(session: Session, to: str, subject: str, body: str, template: str) -> uuid.UUID:
    email = EmailMessage(to_address=to, subject=subject, body=body, template=template)
    session.add(email)
    session.flush()
    session.execute(
        insert(OutboxMessage).values(kind="email", task="send_email", payload={"emailId": str(email.id)})
    )
    session.info[_PENDING_FLAG] = True
    return email.id


@after_commit
def relay_after_commit(session: Session) -> None:
    """Publish what the (now committed) session wrote to the outbox; never raises."""
    if not session.info.pop(_PENDING_FLAG, False):
        return
    try:
        relay_pending(limit=100)
    except Exception:  # the beat relay will pick them up
        log.warning("outbox relay after commit failed; the periodic relay will retry", exc_info=True)


def relay_pending(limit: int = 500) -> int:
    """Send unsent outbox messages to the broker; rows stay pending when the broker is down."""
    sent = 0
    with session_scope() as session:
        rows = session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.sent_at.is_(None))
            .order_by(OutboxMessage.created_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).all()
        for row in rows:
            try:  # through the module: tests stand in for the broker by replacing worker.publish
                worker.publish(row.task, row.payload, message_id=str(row.id), queue=row.queue)
            except Exception as exc:
                session.execute(
                    update(OutboxMessage)
                    .where(OutboxMessage.id == row.id)
                    .values(attempts=OutboxMessage.attempts + 1, last_error=str(exc)[:2000])
                )
                log.warning("broker unavailable, %d message(s) left in the outbox", len(rows) - sent)
                break
            row.sent_at = datetime.now(UTC)
            sent += 1
    return sent

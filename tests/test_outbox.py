"""The transactional outbox: nothing is published for a rollback, nothing is lost when the broker
is down, jobs with the same dedup key are recorded once, and emails reach the worker's task."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import redis
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from api import outbox, worker
from api.db import get_sessionmaker, session_scope
from api.models import EmailMessage, OutboxMessage


@pytest.fixture
def committed(infra: dict[str, str]) -> Iterator[None]:
    """These tests need real commits (the relay reads from its own session); clean up after."""
    yield
    with session_scope() as session:
        session.execute(delete(OutboxMessage))
        session.execute(delete(EmailMessage))


def _queue_length() -> int:
    return int(redis.Redis.from_url(worker.celery_app.conf.broker_url).llen("wairo"))


def test_dedup_key_records_a_job_once(db: Session) -> None:
    key = f"test:{uuid.uuid4()}"
    for _ in range(3):
        outbox.enqueue_job(db, "generate_thumbnail", {"photoId": "x"}, dedup_key=key)
    count = db.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.dedup_key == key))
    assert count == 1


def test_rolled_back_work_publishes_nothing(committed: None) -> None:
    before = _queue_length()
    session = get_sessionmaker()()
    outbox.enqueue_job(session, "generate_thumbnail", {"photoId": "rolled-back"})
    session.rollback()
    outbox.relay_after_commit(session)
    session.close()
    assert _queue_length() == before
    with session_scope() as check:
        assert check.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_committed_job_is_published_after_commit(committed: None) -> None:
    redis.Redis.from_url(worker.celery_app.conf.broker_url).delete("wairo")
    with session_scope() as session:
        outbox.enqueue_job(session, "generate_thumbnail", {"photoId": "p1"})
    assert outbox.relay_pending() == 1
    assert _queue_length() == 1
    with session_scope() as check:
        row = check.scalars(select(OutboxMessage)).one()
        assert row.sent_at is not None
    assert outbox.relay_pending() == 0  # sent once


def test_broker_down_keeps_the_job_until_it_returns(committed: None, monkeypatch: pytest.MonkeyPatch) -> None:
    def broker_down(*_: object, **__: object) -> None:
        raise ConnectionError("broker unreachable")

    with session_scope() as session:
        outbox.enqueue_job(session, "generate_thumbnail", {"photoId": "p2"})
    monkeypatch.setattr(worker, "publish", broker_down)
    assert outbox.relay_pending() == 0
    with session_scope() as check:
        row = check.scalars(select(OutboxMessage)).one()
        assert row.sent_at is None and row.attempts == 1 and "unreachable" in (row.last_error or "")
    monkeypatch.undo()
    assert outbox.relay_pending() == 1


def test_send_email_task_records_delivery_once(committed: None) -> None:
    with session_scope() as session:
        email_id = outbox.queue_email(session, "a@example.com", "Hello", "Body", "test")
    worker.send_email.run(emailId=str(email_id))
    with session_scope() as check:
        email = check.get(EmailMessage, email_id)
        assert email is not None and email.sent_at is not None
        first = email.sent_at
    worker.send_email.run(emailId=str(email_id))  # a redelivery is a no-op
    with session_scope() as check:
        email = check.get(EmailMessage, email_id)
        assert email is not None and email.sent_at == first

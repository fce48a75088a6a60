"""The transactional outbox: nothing is published for a rollback, nothing is lost when the broker
is down, jobs with the same dedup key are recorded once, and emails reach the worker's task."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from api.core.db import get_sessionmaker, session_scope
from api.jobs import outbox, worker
from api.models import EmailMessage, OutboxMessage
from tests.factories import Factory


@pytest.fixture
def marker(infra: dict[str, str]) -> Iterator[str]:
    """These tests need real commits (the relay reads from its own session). Other tests' rows may
    be in the outbox and a test worker may be consuming the queue, so each test looks only at its
    own rows (tagged with this marker) and removes them afterwards."""
    tag = f"outbox-test-{uuid.uuid4()}"
    yield tag
    with session_scope() as session:
        session.execute(delete(OutboxMessage).where(OutboxMessage.payload["photoId"].astext == tag))
        session.execute(delete(EmailMessage).where(EmailMessage.to_address == f"{tag}@example.com"))


def _own(session: Session, tag: str) -> list[OutboxMessage]:
    return list(
        session.scalars(select(OutboxMessage).where(OutboxMessage.payload["photoId"].astext == tag)).all()
    )


@pytest.fixture
def published(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Ids of the messages handed to the real broker."""
    sent: list[str] = []
    real = worker.publish

    def recording(task: str, payload: dict[str, object], message_id: str, queue: str | None = None) -> None:
        real(task, payload, message_id, queue)
        sent.append(message_id)

    monkeypatch.setattr(worker, "publish", recording)
    return sent


def test_dedup_key_records_a_job_once(db: Session) -> None:
    key = f"test:{uuid.uuid4()}"
    for _ in range(3):
        outbox.enqueue_job(db, "generate_thumbnail", {"photoId": "x"}, dedup_key=key)
    count = db.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.dedup_key == key))
    assert count == 1


def test_rolled_back_work_publishes_nothing(marker: str, published: list[str]) -> None:
    session = get_sessionmaker()()
    outbox.enqueue_job(session, "generate_thumbnail", {"photoId": marker})
    session.rollback()
    outbox.relay_after_commit(session)
    session.close()
    assert published == []
    with session_scope() as check:
        assert _own(check, marker) == []


def test_committed_job_is_published_after_commit(marker: str, published: list[str]) -> None:
    with session_scope() as session:
        outbox.enqueue_job(session, "generate_thumbnail", {"photoId": marker})
        assert published == []  # not before the commit
    outbox.relay_pending()
    with session_scope() as check:
        (row,) = _own(check, marker)
        assert row.sent_at is not None
        assert published.count(str(row.id)) == 1
    outbox.relay_pending()
    assert published.count(str(row.id)) == 1  # sent once


def test_broker_down_keeps_the_job_until_it_returns(marker: str, monkeypatch: pytest.MonkeyPatch) -> None:
    def broker_down(*_: object, **__: object) -> None:
        raise ConnectionError("broker unreachable")

    monkeypatch.setattr(worker, "publish", broker_down)
    with session_scope() as session:  # its relay after commit fails: the row stays pending
        outbox.enqueue_job(session, "generate_thumbnail", {"photoId": marker})
    assert outbox.relay_pending() == 0
    with session_scope() as check:
        (row,) = _own(check, marker)
        assert row.sent_at is None and row.attempts >= 1 and "unreachable" in (row.last_error or "")
    monkeypatch.undo()
    outbox.relay_pending()
    with session_scope() as check:
        (row,) = _own(check, marker)
        assert row.sent_at is not None


def test_send_email_task_records_delivery_once(marker: str) -> None:
    with session_scope() as session:
        email_id = outbox.queue_email(session, f"{marker}@example.com", "Hello", "Body", "test")
    worker.send_email.run(emailId=str(email_id))
    with session_scope() as check:
        email = check.get(EmailMessage, email_id)
        assert email is not None and email.sent_at is not None
        first = email.sent_at
    worker.send_email.run(emailId=str(email_id))  # a redelivery is a no-op
    with session_scope() as check:
        email = check.get(EmailMessage, email_id)
        assert email is not None and email.sent_at == first


def test_a_dedicated_projects_job_lands_in_its_queue_on_the_broker(marker: str) -> None:
    """A project's own queue (dedicated workers) is a list of its own in Valkey; nobody consumes
    it in the tests, so the message is still there to be seen."""
    from api.core.ratelimit import redis_client
    from api.models import Operator
    from wairo_contracts.project import queue_name

    with session_scope() as session:
        build = Factory(session)
        operator = build.operator(email=f"{marker}@example.com")
        project = build.project(
            operator, name="Gala", status="draft", type="private", terms=None, dedicated_workers=1
        )
        operator_id, project_id = operator.id, project.id
    queue = queue_name(str(project_id))
    try:
        with session_scope() as session:  # relayed right after the commit
            outbox.enqueue_job(session, "rematch_project", {"projectId": str(project_id), "photoId": marker})
        with session_scope() as check:
            (row,) = _own(check, marker)
            assert row.queue == queue and row.sent_at is not None
        (message,) = redis_client().lrange(queue, 0, -1)
        assert str(row.id).encode() in message
    finally:
        redis_client().delete(queue)
        with session_scope() as session:
            session.execute(delete(Operator).where(Operator.id == operator_id))

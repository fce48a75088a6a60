"""Project quotas on real Postgres: the counters the database keeps (migration 0006_upload_quota)
follow every photo change, concurrent upload URLs never exceed a quota, an upload waits on another
only in a project with a quota, and a quota set while photos change counts them all."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from api.apps.media import create_app
from api.core.db import get_sessionmaker
from api.media.schemas import PhotoUploadIn
from api.media.service import photo_upload_url
from api.models import Photo, Project
from api.models.photos import QUOTA_STATUSES
from api.provisioning import LocalProvisioner
from tests.factories import Factory, Tenant
from tests.media.calls import upload_url
from tests.support.http import wait_until


def _counters(session: Session, project_id: uuid.UUID) -> tuple[int | None, int | None]:
    row = session.execute(
        select(Project.quota_used_photos, Project.quota_used_bytes).where(Project.id == project_id)
    ).one()
    return row[0], row[1]


def _recount(session: Session, project_id: uuid.UUID) -> tuple[int, int]:
    n, b = session.execute(
        select(func.count(), func.coalesce(func.sum(Photo.size_bytes), 0)).where(
            Photo.project_id == project_id, Photo.status.in_(QUOTA_STATUSES)
        )
    ).one()
    return n, int(b or 0)


def test_the_counters_follow_every_photo_change(build: Factory, db: Session) -> None:
    t = build.tenant(max_photos=100)
    pid = t.project.id
    assert _counters(db, pid) == (0, 0)
    photos = [build.photo(pid, status=s, size_bytes=1000 * (i + 1)) for i, s in enumerate(QUOTA_STATUSES)]
    build.photo(pid, status="failed", size_bytes=7)
    assert _counters(db, pid) == _recount(db, pid) == (4, 10_000)
    changes: list[Any] = [
        update(Photo).where(Photo.id == photos[0].id).values(status="expired"),
        update(Photo).where(Photo.id == photos[1].id).values(size_bytes=None),
        update(Photo).where(Photo.id == photos[2].id).values(status="failed", size_bytes=1),
        update(Photo).where(Photo.id == photos[2].id).values(status="uploaded"),
        update(Photo).where(Photo.id == photos[3].id).values(variants={"thumb-400": "k"}),
        delete(Photo).where(Photo.id == photos[3].id),
    ]
    for change in changes:
        db.execute(change)
        assert _counters(db, pid) == _recount(db, pid)
    assert _counters(db, pid) == (2, 1)
    db.execute(update(Project).where(Project.id == pid).values(max_photos=None))
    assert _counters(db, pid) == (None, None)  # no quota: not counted
    build.photo(pid, status="ready", size_bytes=5)
    db.execute(update(Project).where(Project.id == pid).values(max_storage_bytes=10**9))
    assert _counters(db, pid) == _recount(db, pid) == (3, 6)  # a new quota counts afresh


def _upload_in_parallel(t: Tenant, n: int, **extra: Any) -> list[Any]:
    """`n` upload URL requests of the tenant's photographer at once, each through its own client."""
    start = threading.Barrier(n)

    def one(_: int) -> Any:
        with TestClient(create_app(), raise_server_exceptions=False) as client:
            start.wait()
            return upload_url(client, t.photographer_token, t.project.id, **extra)

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(one, range(n)))


@pytest.mark.parametrize(
    ("quota", "extra", "code"),
    [
        ({"max_photos": 3}, {}, "photo_quota"),
        ({"max_storage_bytes": 10_000}, {"sizeBytes": 3000}, "storage_quota"),
    ],
)
def test_concurrent_upload_urls_never_exceed_the_quota(
    infra: dict[str, str], committed: Session, quota: dict[str, int], extra: dict[str, int], code: str
) -> None:
    t = Factory(committed).tenant(**quota)
    responses = _upload_in_parallel(t, 8, **extra)
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201] * 3 + [409] * 5, [r.text for r in responses]
    assert {r.json()["error"]["code"] for r in responses if r.status_code == 409} == {code}
    committed.expire_all()
    assert _counters(committed, t.project.id) == _recount(committed, t.project.id)
    assert _recount(committed, t.project.id)[0] == 3


@pytest.fixture
def sessions(infra: dict[str, str]) -> Iterator[tuple[Session, Session]]:
    """Two sessions of their own (each its own connection and transaction), rolled back after."""
    first, second = get_sessionmaker()(), get_sessionmaker()()
    yield first, second
    for session in (first, second):
        session.rollback()
        session.close()


def _upload(session: Session, t: Tenant) -> uuid.UUID:
    body = PhotoUploadIn(project_id=t.project.id)
    return photo_upload_url(session, t.photographer.id, body, LocalProvisioner()).photo_id


@pytest.mark.parametrize("quota", [{}, {"max_photos": 10}])
def test_an_upload_waits_on_another_only_with_a_quota(
    committed: Session, sessions: tuple[Session, Session], quota: dict[str, int]
) -> None:
    t = Factory(committed).tenant(**quota)
    first, second = sessions
    _upload(first, t)  # not committed: holds whatever it locked
    second.execute(text("SET LOCAL lock_timeout = '50ms'"))  # a wait fails instead of blocking
    if not quota:
        _upload(second, t)
        return
    with pytest.raises(OperationalError, match="lock timeout"):
        _upload(second, t)


def _waits_for_a_lock(session: Session, pid: int) -> bool:
    """Whether backend `pid` waits for a lock (pg_stat_activity is read once per transaction)."""
    try:
        query = text("SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = :pid")
        return bool(session.scalar(query, {"pid": pid}))
    finally:
        session.rollback()


def test_a_quota_set_while_a_photo_is_added_counts_it(
    committed: Session, sessions: tuple[Session, Session]
) -> None:
    t = Factory(committed).tenant()
    Factory(committed).photo(t.project, status="ready", size_bytes=100)
    uploading, setting = sessions
    _upload(uploading, t)  # in flight: its project not counted yet
    setter_pid = setting.scalar(text("SELECT pg_backend_pid()"))

    def set_quota() -> None:
        setting.execute(update(Project).where(Project.id == t.project.id).values(max_photos=10))
        setting.commit()

    thread = threading.Thread(target=set_quota)
    thread.start()
    wait_until(lambda: _waits_for_a_lock(committed, setter_pid), 30, "the quota to wait for the upload")
    uploading.commit()
    thread.join(30)
    committed.expire_all()
    assert _counters(committed, t.project.id) == _recount(committed, t.project.id) == (2, 100)

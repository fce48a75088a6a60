"""The pool pings a connection only after it sat idle (api/core/db.py): one idle through a backend's
death is replaced before use; a busy one is not pinged, fails once, and the pool starts afresh."""

from __future__ import annotations

import math

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError

from api.core.db import get_engine, make_engine
from api.settings import get_settings
from tests.support.http import wait_until


def _backend_pid(engine: Engine) -> int:
    with engine.connect() as conn:
        pid = conn.scalar(text("SELECT pg_backend_pid()"))
    assert isinstance(pid, int)
    return pid


def _terminate(pid: int) -> None:
    with get_engine().connect() as admin:
        admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})

        def gone() -> bool:  # pg_stat_activity is read once per transaction: a fresh one each time
            query = text("SELECT NOT EXISTS (SELECT 1 FROM pg_stat_activity WHERE pid = :pid)")
            try:
                return bool(admin.scalar(query, {"pid": pid}))
            finally:
                admin.rollback()

        wait_until(gone, 30, "the backend to end")


@pytest.fixture
def url(infra: dict[str, str]) -> str:
    return get_settings().database_url


def test_an_idle_connection_found_dead_is_replaced_before_use(url: str) -> None:
    engine = make_engine(url, pool_size=1, ping_idle_after_s=0)
    try:
        first = _backend_pid(engine)
        _terminate(first)
        assert _backend_pid(engine) != first  # no error: the ping found it dead
    finally:
        engine.dispose()


def test_a_busy_connection_is_not_pinged_and_its_death_resets_the_pool(url: str) -> None:
    engine = make_engine(url, pool_size=1, ping_idle_after_s=math.inf)
    try:
        first = _backend_pid(engine)
        _terminate(first)
        with pytest.raises(OperationalError):  # not pinged: the statement meets the dead connection
            _backend_pid(engine)
        assert _backend_pid(engine) != first
    finally:
        engine.dispose()

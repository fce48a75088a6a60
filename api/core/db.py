"""Engine and session factory (sync SQLAlchemy over psycopg 3), and the unit of work.

Other packages act after a unit of work commits through `after_commit` hooks (api/jobs registers
the outbox relay): this module knows nothing of what they do."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import lru_cache

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry

from api.settings import get_settings


def normalise_url(url: str) -> str:
    """Use the psycopg 3 driver whatever scheme the URL was given with."""
    for prefix in ("postgresql+psycopg://", "postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


# A pooled connection idle at least this long is pinged before use (and replaced if dead), so the
# API survives a database restart without being restarted. One in constant use is not: a busy pool
# saves the round trip, and a connection that died in use fails its statement (503) and makes the
# pool replace every connection it held before.
PING_IDLE_AFTER_S = 1.0


def make_engine(url: str, pool_size: int = 10, ping_idle_after_s: float = PING_IDLE_AFTER_S) -> Engine:
    engine = create_engine(
        normalise_url(url),
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_timeout=10,
        connect_args={"connect_timeout": 5, "options": "-c statement_timeout=30000"},
    )

    def idle_from_now(_: DBAPIConnection, record: ConnectionPoolEntry) -> None:
        record.info["idle_since"] = time.monotonic()

    def ping_if_idle(dbapi_connection: DBAPIConnection, record: ConnectionPoolEntry, _: object) -> None:
        idle_since = record.info.pop("idle_since", None)
        if idle_since is None or time.monotonic() - idle_since < ping_idle_after_s:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as exc:
            raise DisconnectionError("a pooled connection was found dead") from exc  # the pool retries

    event.listen(engine.pool, "checkin", idle_from_now)
    event.listen(engine.pool, "checkout", ping_if_idle)
    return engine


@lru_cache
def get_engine() -> Engine:
    settings = get_settings()
    if not settings.database_url:
        raise RuntimeError("WAIRO_DATABASE_URL is not set (`wairo-dev up` sets it for the embedded Postgres)")
    return make_engine(settings.database_url, settings.db_pool_size)


@lru_cache
def get_sessionmaker() -> sessionmaker[Session]:
    return sessionmaker(bind=get_engine(), expire_on_commit=False)


AfterCommit = Callable[[Session], None]
_after_commit: list[AfterCommit] = []


def after_commit(hook: AfterCommit) -> AfterCommit:
    """Register `hook` to be called with the session of every `session_scope` that committed, once
    it is closed (in registration order; a hook must not raise). Usable as a decorator."""
    if hook not in _after_commit:
        _after_commit.append(hook)
    return hook


@contextmanager
def session_scope() -> Iterator[Session]:
    """The one unit of work (requests, jobs, CLI): commit on success, roll back on error, and only
    after the commit run the `after_commit` hooks (which publish the jobs it wrote to the outbox)."""
    session = get_sessionmaker()()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
    for hook in _after_commit:
        hook(session)

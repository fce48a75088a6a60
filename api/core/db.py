"""Engine and session factory (sync SQLAlchemy over psycopg 3), and the unit of work.

Other packages act after a unit of work commits through `after_commit` hooks (api/jobs registers
the outbox relay): this module knows nothing of what they do."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import lru_cache

from sqlalchemy import Engine, create_engine
from sqlalchemy.orm import Session, sessionmaker

from api.settings import get_settings


def normalise_url(url: str) -> str:
    """Use the psycopg 3 driver whatever scheme the URL was given with."""
    for prefix in ("postgresql+psycopg://", "postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def make_engine(url: str, pool_size: int = 10) -> Engine:
    return create_engine(
        normalise_url(url),
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=True,  # survive a database restart without restarting the API
        pool_timeout=10,
        connect_args={"connect_timeout": 5, "options": "-c statement_timeout=30000"},
    )


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

"""The ASGI apps under test, bound to a test's database session."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from api.core.reads import Query, Row


class SessionReader:
    """api/core/reads.py's Reader on a test's session: the same SQL, through its transaction
    (blocking the loop, which a test does not mind)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    async def fetch(self, query: Query, values: Mapping[str, Any]) -> list[Row]:
        result = self.session.connection().exec_driver_sql(query.sql, query.params(values))
        return list(result.tuples())


def bind_db(app: FastAPI, db: Session) -> None:
    """Make `app`'s requests use `db`: a request's work is committed (a savepoint of the test's
    transaction), or rolled back when the request fails; the async reads go through it too."""
    from api.core.reads import get_reader
    from api.deps import get_db

    def override() -> Iterator[Session]:
        try:
            yield db
            db.commit()
        except BaseException:
            db.rollback()
            raise

    app.dependency_overrides[get_db] = override
    app.dependency_overrides[get_reader] = lambda: SessionReader(db)


def client_for(app: FastAPI, db: Session) -> TestClient:
    """A client of `app` whose requests use `db` (see `bind_db`)."""
    bind_db(app, db)
    return TestClient(app, raise_server_exceptions=False)


def served(app: FastAPI) -> Iterator[TestClient]:
    """A client of `app` with its lifespan running (its read pool and cache open), as uvicorn runs it."""
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client

"""Hot reads on the event loop: an async psycopg pool beside the sync SQLAlchemy unit of work.

The photo list and the token-version check run on every request; through the sync session each
costs a threadpool hop, a pre-ping, BEGIN and COMMIT around its one statement. Here a statement
is built once with SQLAlchemy Core (so the models stay the one source of names) and compiled for
psycopg (`compile_query`); a request runs it on a pooled autocommit connection: one round trip.
Writes never come this way.

The pool belongs to the served app's lifespan (`open_reader`, `close_reader`) and opens at the
first read; tests that run an app on their own rolled-back transaction replace the `get_reader`
dependency with a reader on that transaction (tests/support/apps.py), which runs the same SQL.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Protocol, cast

import psycopg
from fastapi import Depends, FastAPI, Request
from psycopg_pool import AsyncConnectionPool, PoolTimeout
from sqlalchemy import BindParameter, ClauseElement
from sqlalchemy.dialects.postgresql import psycopg as psycopg_dialect
from sqlalchemy.sql.visitors import ExternallyTraversible, replacement_traverse

from api.core.db import normalise_url
from api.settings import get_settings

Row = tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class Query:
    """A compiled statement: its SQL (psycopg's `%(name)s` placeholders) and the values of the
    literals compiled into it."""

    sql: str
    literals: Mapping[str, Any]

    def params(self, values: Mapping[str, Any]) -> dict[str, Any]:
        return {**self.literals, **values}


def _inline_constant(element: ExternallyTraversible, **_: Any) -> ExternallyTraversible | None:
    if isinstance(element, BindParameter) and element.value is not None:
        return element.render_literal_execute()
    return None


def compile_query(statement: ClauseElement) -> Query:
    """Compile once, at import: bind casts rendered, the statement's constants (a status, a JSON
    key) written into the SQL, so that the pool's generic plans still match partial indexes
    (`ix_photos_ready_sort` is `WHERE status = 'ready'`); only the request's values stay
    parameters."""
    inlined = cast(ClauseElement, replacement_traverse(statement, {}, _inline_constant))
    compiled = inlined.compile(dialect=psycopg_dialect.dialect(), compile_kwargs={"render_postcompile": True})
    return Query(str(compiled), {k: v for k, v in compiled.params.items() if v is not None})


class Reader(Protocol):
    async def fetch(self, query: Query, values: Mapping[str, Any]) -> list[Row]: ...


class PoolReader:
    """Reads on the app's pool, opened at the first read (the lifespan may start before the
    settings are complete, e.g. an OpenAPI document fetched in-process). A statement that meets a
    broken connection (Postgres restarted) is retried once after the pool dropped its broken idle
    connections; beyond that the error reaches the handler (503)."""

    def __init__(self) -> None:
        self._pool: AsyncConnectionPool | None = None
        self._opening = asyncio.Lock()

    async def fetch(self, query: Query, values: Mapping[str, Any]) -> list[Row]:
        params = query.params(values)
        try:
            return await self._fetch(query.sql, params)
        except PoolTimeout:
            raise
        except psycopg.OperationalError:
            # Postgres restarted: every idle connection is dead. Drop them, then once more.
            await (await self._opened()).check()
            return await self._fetch(query.sql, params)

    async def _fetch(self, sql: str, params: dict[str, Any]) -> list[Row]:
        async with (await self._opened()).connection() as conn:
            # Binary results: timestamps and ids load without parsing text (a fifth of the fetch).
            cursor = await conn.execute(sql, params, binary=True)
            return await cursor.fetchall()

    async def _opened(self) -> AsyncConnectionPool:
        if self._pool is None:
            async with self._opening:
                if self._pool is None:
                    pool = _new_pool()
                    await pool.open()
                    self._pool = pool
        return self._pool

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()
            self._pool = None


def _conninfo(url: str) -> str:
    return normalise_url(url).replace("postgresql+psycopg://", "postgresql://", 1)


# psycopg prepares a statement on its fifth run on a connection. Postgres then plans each run
# anew as long as a plan for the run's values looks cheaper than the generic one, which it
# always does with a parameterised LIMIT: 0.3-0.9 ms of server CPU per photo list. The statements
# here are keyset reads whose plan does not depend on the values, so they keep the generic plan.
_SESSION_OPTIONS = "-c statement_timeout=30000 -c plan_cache_mode=force_generic_plan"


def _new_pool() -> AsyncConnectionPool:
    settings = get_settings()
    if not settings.database_url:
        raise RuntimeError("WAIRO_DATABASE_URL is not set (`wairo-dev up` sets it for the embedded Postgres)")
    return AsyncConnectionPool(
        _conninfo(settings.database_url),
        min_size=1,
        max_size=settings.db_pool_size,
        timeout=10,
        kwargs={"autocommit": True, "connect_timeout": 5, "options": _SESSION_OPTIONS},
        open=False,
    )


def open_reader(app: FastAPI) -> None:
    app.state.reader = PoolReader()


async def close_reader(app: FastAPI) -> None:
    reader = getattr(app.state, "reader", None)
    if isinstance(reader, PoolReader):
        await reader.close()


async def get_reader(request: Request) -> Reader:
    reader: Reader | None = getattr(request.app.state, "reader", None)
    if reader is None:
        raise RuntimeError("no reader: serve the app with its lifespan (e.g. `with TestClient(app)`)")
    return reader


ReaderDep = Annotated[Reader, Depends(get_reader)]

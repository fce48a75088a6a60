"""Token versions: an access token carries its account's `token_version` (claim `ver`); a password
reset bumps it, so every token issued before is refused without loading the account row.

The check is one Valkey GET of `tokver:{role}:{id}` (the version, or `gone` for a deleted account).
The database is the source: on a miss, or while Valkey is unreachable, the version is read there
(one indexed read on the event loop, api/core/reads.py) and cached for `CACHE_TTL_S` with SET NX.
A bump or a deletion writes its value with a plain SET once its transaction has committed, so it
overwrites whatever a concurrent reader cached from before the commit; were that write lost (Valkey
down at that moment), a stale entry would live `CACHE_TTL_S` at most.
"""

from __future__ import annotations

import logging
import uuid
from typing import Annotated

import redis
import redis.asyncio
from fastapi import Depends, FastAPI, Request
from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from api.core.db import after_commit
from api.core.ratelimit import redis_client
from api.core.reads import Query, Reader, ReaderDep, compile_query
from api.core.security import Role
from api.models import Operator, Photographer, User
from api.settings import get_settings

log = logging.getLogger("wairo.auth")

CACHE_TTL_S = 60
_GONE = "gone"
_PENDING = "wairo.token_versions"
_ACCOUNTS: dict[Role, type[User | Operator | Photographer]] = {
    "user": User,
    "operator": Operator,
    "photographer": Photographer,
}
_VERSION_OF: dict[Role, Query] = {
    role: compile_query(select(model.token_version).where(model.id == bindparam("id", required=False)))
    for role, model in _ACCOUNTS.items()
}


def _key(role: Role, account_id: uuid.UUID) -> str:
    return f"tokver:{role}:{account_id}"


class TokenVersions:
    """The current version of accounts, through the app's Valkey client (None: database only)."""

    def __init__(self, reader: Reader, cache: redis.asyncio.Redis | None) -> None:
        self.reader = reader
        self.cache = cache

    async def current(self, role: Role, account_id: uuid.UUID) -> int | None:
        """The account's version; None when the account no longer exists."""
        key, cache = _key(role, account_id), self.cache
        if cache is not None:
            try:
                cached = await cache.get(key)
            except redis.RedisError as exc:
                log.warning("token version cache unavailable, reading the database: %s", exc)
                cache = None
            else:
                if cached is not None:
                    return None if cached == _GONE.encode() else int(cached)
        rows = await self.reader.fetch(_VERSION_OF[role], {"id": account_id})
        version: int | None = rows[0][0] if rows else None
        if cache is not None:
            try:
                await cache.set(key, _GONE if version is None else version, ex=CACHE_TTL_S, nx=True)
            except redis.RedisError as exc:
                log.warning("token version cache unavailable: %s", exc)
        return version


def open_cache(app: FastAPI) -> None:
    app.state.token_version_cache = redis.asyncio.Redis.from_url(
        get_settings().broker_url, socket_timeout=1, socket_connect_timeout=1
    )


async def close_cache(app: FastAPI) -> None:
    cache: redis.asyncio.Redis | None = getattr(app.state, "token_version_cache", None)
    if cache is not None:
        await cache.aclose()


async def get_token_versions(request: Request, reader: ReaderDep) -> TokenVersions:
    return TokenVersions(reader, getattr(request.app.state, "token_version_cache", None))


TokenVersionsDep = Annotated[TokenVersions, Depends(get_token_versions)]


def _publish_later(session: Session, role: Role, account_id: uuid.UUID, value: str) -> None:
    session.info.setdefault(_PENDING, {})[(role, account_id)] = value


def bump(session: Session, role: Role, account_id: uuid.UUID) -> int:
    """Refuse every token of the account issued so far (once the transaction commits)."""
    model = _ACCOUNTS[role]
    version = session.execute(
        update(model)
        .where(model.id == account_id)
        .values(token_version=model.token_version + 1)
        .returning(model.token_version)
    ).scalar_one()
    _publish_later(session, role, account_id, str(version))
    return version


def forget(session: Session, role: Role, account_id: uuid.UUID) -> None:
    """The account is being deleted: its tokens are refused at once after the commit."""
    _publish_later(session, role, account_id, _GONE)


@after_commit
def _publish(session: Session) -> None:
    pending: dict[tuple[Role, uuid.UUID], str] | None = session.info.pop(_PENDING, None)
    if not pending:
        return
    try:
        pipe = redis_client().pipeline()
        for (role, account_id), value in pending.items():
            pipe.set(_key(role, account_id), value, ex=CACHE_TTL_S)
        pipe.execute()
    except redis.RedisError as exc:
        log.warning("token version cache not updated (entries expire in %d s): %s", CACHE_TTL_S, exc)

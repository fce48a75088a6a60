"""Password hashing (argon2) and JWTs with audiences and roles (design.md, "Identity and access")."""

from __future__ import annotations

import hashlib
import secrets
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Literal

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from api.settings import get_settings

Role = Literal["user", "operator", "photographer"]
Audience = Literal["main", "backoffice", "media"]
ROLES: tuple[Role, ...] = ("user", "operator", "photographer")
USER_AUDIENCES: list[Audience] = ["main", "media"]
STAFF_AUDIENCES: list[Audience] = ["backoffice", "media"]

_hasher = PasswordHasher()
# Verified against when the email is unknown, so a miss costs as much as a wrong password.
_DUMMY_HASH = _hasher.hash("wairo-timing-equaliser")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def new_token() -> str:
    """A random URL-safe secret (reset tokens, invite tokens, share tokens)."""
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Principal:
    id: uuid.UUID
    role: Role
    jti: str
    version: int  # the account's token version when the token was issued (api/core/token_versions.py)


class InvalidToken(Exception):
    pass


def issue_access_token(subject: uuid.UUID, role: Role, audiences: list[Audience], version: int) -> str:
    settings = get_settings()
    now = datetime.now(UTC)
    claims = {
        "sub": str(subject),
        "role": role,
        "ver": version,
        "aud": audiences,
        "iat": now,
        "exp": now + timedelta(seconds=settings.access_token_ttl_s),
        "jti": uuid.uuid4().hex,
    }
    return jwt.encode(claims, settings.jwt_secret, algorithm=settings.jwt_algorithm)


def decode_access_token(token: str, audience: Audience) -> Principal:
    """The token's principal: signature, audience, claims and expiry checked (InvalidToken)."""
    settings = get_settings()
    principal, expires_at = _verified(token, audience, settings.jwt_secret, settings.jwt_algorithm)
    if expires_at <= time.time():
        raise InvalidToken("expired")
    return principal


@lru_cache(maxsize=16_384)
def _verified(token: str, audience: Audience, secret: str, algorithm: str) -> tuple[Principal, float]:
    """A token verified once (its signature costs a tenth of a photo-list request), with its expiry,
    which the caller checks every time. Invalid tokens raise and are not cached."""
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[algorithm],
            audience=audience,
            options={"require": ["sub", "role", "ver", "aud", "exp", "iat", "jti"]},
        )
        role, version = claims["role"], claims["ver"]
        if role not in ROLES:
            raise InvalidToken("unknown role")
        if not isinstance(version, int) or isinstance(version, bool):
            raise InvalidToken("malformed version")
        principal = Principal(id=uuid.UUID(claims["sub"]), role=role, jti=str(claims["jti"]), version=version)
        return principal, float(claims["exp"])
    except (jwt.PyJWTError, ValueError, TypeError) as exc:
        raise InvalidToken(str(exc)) from exc


def issue_qr_token(member_id: uuid.UUID, project_id: uuid.UUID) -> tuple[str, str, datetime]:
    """A signed QR token for a project membership: (token, jti, expiresAt)."""
    settings = get_settings()
    now = datetime.now(UTC)
    expires = now + timedelta(seconds=settings.qr_token_ttl_s)
    jti = uuid.uuid4().hex
    claims = {
        "sub": str(member_id),
        "pid": str(project_id),
        "aud": "qr",
        "iat": now,
        "exp": expires,
        "jti": jti,
    }
    return jwt.encode(claims, settings.jwt_secret, algorithm=settings.jwt_algorithm), jti, expires

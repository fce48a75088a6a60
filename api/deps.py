"""Typed FastAPI dependencies: the request's database session and the authenticated principals.

The session commits when the endpoint returns (dependency scope "function", i.e. before the
response is sent) and rolls back on error; jobs written to the outbox are relayed after the commit.
"""

from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Annotated, TypeVar

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from api.core.db import session_scope
from api.core.errors import Forbidden, Unauthorized
from api.core.security import Audience, InvalidToken, Principal, Role, decode_access_token
from api.core.token_versions import TokenVersionsDep
from api.models import Operator, Photographer, User

M = TypeVar("M", User, Operator, Photographer)


def get_db() -> Iterator[Session]:
    """The request's unit of work: services flush, this commits (then relays the outbox)."""
    with session_scope() as session:
        yield session


SessionDep = Annotated[Session, Depends(get_db, scope="function")]

# auto_error=False: a missing or malformed Authorization header is our 401, not HTTPBearer's 403.
_bearer = HTTPBearer(auto_error=False)
BearerDep = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


@dataclass(frozen=True)
class AuthRequirement:
    """What a route's principal dependency demands; read by the authorisation-matrix test."""

    audience: Audience
    roles: tuple[Role, ...]


def require_principal(
    audience: Audience, roles: tuple[Role, ...]
) -> Callable[[BearerDep, TokenVersionsDep], Awaitable[Principal]]:
    """A dependency decoding the bearer token for `audience` (401), checking its role (403) and that
    it is not older than its account's last password reset, nor the account deleted (401). It runs on
    the event loop and loads no account row (api/core/token_versions.py)."""

    async def dependency(credentials: BearerDep, versions: TokenVersionsDep) -> Principal:
        if credentials is None or credentials.scheme.lower() != "bearer":
            raise Unauthorized("A bearer token is required.")
        try:
            principal = decode_access_token(credentials.credentials, audience)
        except InvalidToken as exc:
            raise Unauthorized("The token is invalid, expired or not meant for this API.") from exc
        if principal.role not in roles:
            raise Forbidden("This route is not available to your role.")
        current = await versions.current(principal.role, principal.id)
        if current is None:
            raise Unauthorized("The account of this token no longer exists.")
        if principal.version != current:
            raise Unauthorized(
                "The token was revoked (the password changed): sign in again.", code="token_revoked"
            )
        return principal

    dependency.auth_requirement = AuthRequirement(audience, roles)  # type: ignore[attr-defined]
    return dependency


def load_account(model: type[M], session: Session, principal: Principal) -> M:
    """The token's account row; 401 when it was deleted since the token was issued."""
    account = session.get(model, principal.id)
    if account is None:
        raise Unauthorized("The account of this token no longer exists.")
    return account


def _user(audience: Audience) -> Callable[..., User]:
    principal_dep = require_principal(audience, ("user",))

    def dependency(session: SessionDep, principal: Annotated[Principal, Depends(principal_dep)]) -> User:
        return load_account(User, session, principal)

    return dependency


def _operator(audience: Audience) -> Callable[..., Operator]:
    principal_dep = require_principal(audience, ("operator",))

    def dependency(session: SessionDep, principal: Annotated[Principal, Depends(principal_dep)]) -> Operator:
        return load_account(Operator, session, principal)

    return dependency


def _photographer(audience: Audience) -> Callable[..., Photographer]:
    principal_dep = require_principal(audience, ("photographer",))

    def dependency(
        session: SessionDep, principal: Annotated[Principal, Depends(principal_dep)]
    ) -> Photographer:
        return load_account(Photographer, session, principal)

    return dependency


Staff = Operator | Photographer
_staff_principal = require_principal("backoffice", ("operator", "photographer"))


def _staff(session: SessionDep, principal: Annotated[Principal, Depends(_staff_principal)]) -> Staff:
    if principal.role == "operator":
        return load_account(Operator, session, principal)
    return load_account(Photographer, session, principal)


# Main API (audience "main").
CurrentUser = Annotated[User, Depends(_user("main"))]
# The user of a main-API token, for routes that need only the id (no account row is loaded).
UserPrincipal = Annotated[Principal, Depends(require_principal("main", ("user",)))]
# Backoffice API (audience "backoffice").
CurrentOperator = Annotated[Operator, Depends(_operator("backoffice"))]
CurrentPhotographer = Annotated[Photographer, Depends(_photographer("backoffice"))]
CurrentStaff = Annotated[Staff, Depends(_staff)]
# Media API: end users come with audience "media", staff with "backoffice" (spec/media-api.md).
MediaUser = Annotated[User, Depends(_user("media"))]
MediaPhotographer = Annotated[Photographer, Depends(_photographer("media"))]
# Photographers of either API, for routes that need only the id (no account row is loaded).
PhotographerPrincipal = Annotated[Principal, Depends(require_principal("backoffice", ("photographer",)))]
MediaPhotographerPrincipal = Annotated[Principal, Depends(require_principal("media", ("photographer",)))]

"""The apps' route tables, flattened (FastAPI keeps included routers as nested route groups), and
a fresh account for a route's requirement (used by the authorisation matrix and the fuzzer)."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, _iter_included_route_candidates
from sqlalchemy.orm import Session

from api.core.security import hash_password, issue_access_token
from api.deps import AuthRequirement
from api.models import Operator, Photographer, User
from tests.factories import Factory


def api_routes(app: FastAPI) -> Iterator[APIRoute]:
    for route in _iter_included_route_candidates(app.routes):
        if isinstance(route, APIRoute):
            yield route


def requirement(dependant: Dependant) -> AuthRequirement | None:
    """The audience and roles a route demands, found in its dependency tree (None: public)."""
    for dep in dependant.dependencies:
        found = getattr(dep.call, "auth_requirement", None) or requirement(dep)
        if found is not None:
            return found
    return None


def account_token(db: Session, req: AuthRequirement) -> str:
    """A token of a new account with the route's first role, under a new operator (users have
    given biometric consent), carrying the route's audience."""
    build = Factory(db)
    pw = hash_password("route-account-pass")
    role = req.roles[0]
    operator = build.operator("Route Studio", password_hash=pw)
    account: Operator | Photographer | User = operator
    if role == "photographer":
        account = build.photographer(operator, name="P", password_hash=pw)
    elif role == "user":
        account = build.user(name="U", password_hash=pw)
        build.consent(account)
    return issue_access_token(account.id, role, [req.audience], 0)

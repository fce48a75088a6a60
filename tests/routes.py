"""The apps' route tables, flattened (FastAPI keeps included routers as nested route groups), and
a fresh account for a route's requirement (used by the authorisation matrix and the fuzzer)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, _iter_included_route_candidates
from sqlalchemy.orm import Session

from api.core.security import hash_password, issue_access_token
from api.deps import AuthRequirement
from api.models import Consent, Operator, Photographer, User


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
    tag = uuid.uuid4().hex[:10]
    pw = hash_password("route-account-pass")
    role = req.roles[0]
    operator = Operator(name="Route Studio", email=f"op-{tag}@example.com", password_hash=pw)
    db.add(operator)
    db.flush()
    account: Operator | Photographer | User = operator
    if role == "photographer":
        account = Photographer(
            operator_id=operator.id, name="P", email=f"ph-{tag}@example.com", password_hash=pw
        )
    elif role == "user":
        account = User(name="U", email=f"u-{tag}@example.com", password_hash=pw)
    db.add(account)
    db.flush()
    if role == "user":
        db.add(Consent(user_id=account.id, consent_version="v1"))
        db.flush()
    return issue_access_token(account.id, role, [req.audience])

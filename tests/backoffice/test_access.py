"""Authorisation of every backoffice route: token, audience, role and tenant boundaries."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from api.core.security import STAFF_AUDIENCES, issue_access_token
from tests.backoffice.calls import make_project
from tests.factories import Factory
from tests.support.http import assert_error, bearer

ANY = "00000000-0000-4000-8000-000000000000"

# (method, path, body) of every operator-only route, with placeholders filled by `resources`.
OPERATOR_ROUTES: list[tuple[str, str, dict[str, Any] | None]] = [
    ("GET", "/v1/projects", None),
    ("POST", "/v1/projects", {"name": "X"}),
    ("PATCH", "/v1/projects/{project}", {"name": "Y"}),
    ("PATCH", "/v1/projects/{project}/status", {"status": "live"}),
    ("DELETE", "/v1/projects/{project}", None),
    ("POST", "/v1/projects/{project}/photographers", {"photographerId": "{photographer}"}),
    ("DELETE", "/v1/projects/{project}/photographers/{photographer}", None),
    ("GET", "/v1/projects/{project}/discounts", None),
    ("POST", "/v1/projects/{project}/discounts", {"discountId": "{discount}"}),
    ("DELETE", "/v1/projects/{project}/discounts/{discount}", None),
    ("GET", "/v1/projects/{project}/invites", None),
    ("POST", "/v1/projects/{project}/invites/bulk", {"emails": ["a@example.com"]}),
    ("GET", "/v1/photographers", None),
    ("PATCH", "/v1/photographers/{photographer}", {"name": "Z"}),
    ("DELETE", "/v1/photographers/{photographer}", None),
    ("GET", "/v1/pricing/rules", None),
    ("POST", "/v1/pricing/rules", {"pricePerPhotoCents": 100}),
    ("PATCH", "/v1/pricing/rules/{rule}", {"pricePerPhotoCents": 200}),
    ("DELETE", "/v1/pricing/rules/{rule}", None),
    ("GET", "/v1/discounts", None),
    ("POST", "/v1/discounts", {"name": "D", "type": "fixed", "value": 100}),
    ("PATCH", "/v1/discounts/{discount}", {"name": "E"}),
    ("DELETE", "/v1/discounts/{discount}", None),
    ("GET", "/v1/promo-codes", None),
    ("POST", "/v1/promo-codes", {"code": "NEWCODE", "discountId": "{discount}"}),
    ("PATCH", "/v1/promo-codes/{promo}", {"isActive": False}),
    ("DELETE", "/v1/promo-codes/{promo}", None),
    ("GET", "/v1/operators/me", None),
    ("PATCH", "/v1/operators/me", {"locale": "de"}),
    ("GET", "/v1/analytics", None),
    ("GET", "/v1/purchases", None),
    ("GET", "/v1/purchases/{purchase}", None),
]
PHOTOGRAPHER_ROUTES: list[tuple[str, str, dict[str, Any] | None]] = [
    ("GET", "/v1/photographers/me/projects", None),
    ("GET", "/v1/photographers/me/projects/{project}", None),
]
STAFF_ROUTES: list[tuple[str, str, dict[str, Any] | None]] = [("GET", "/v1/projects/{project}", None)]
ALL_ROUTES = OPERATOR_ROUTES + PHOTOGRAPHER_ROUTES + STAFF_ROUTES


def _fill(value: Any, ids: dict[str, str]) -> Any:
    if isinstance(value, str):
        return value.format(**ids)
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, ids) for v in value]
    return value


def _call(
    client: TestClient, route: tuple[str, str, dict[str, Any] | None], ids: dict[str, str], **kw: Any
) -> Any:
    method, path, body = route
    return client.request(method, _fill(path, ids), json=_fill(body, ids), **kw)


_PLACEHOLDERS = dict.fromkeys(("project", "photographer", "discount", "rule", "promo", "purchase"), ANY)


@pytest.mark.parametrize("route", ALL_ROUTES, ids=lambda r: f"{r[0]} {r[1]}")
def test_no_token_is_401(backoffice: TestClient, route: tuple[str, str, dict[str, Any] | None]) -> None:
    assert_error(_call(backoffice, route, _PLACEHOLDERS), 401)
    assert_error(_call(backoffice, route, _PLACEHOLDERS, headers={"Authorization": "Token abc"}), 401)


@pytest.mark.parametrize("route", ALL_ROUTES, ids=lambda r: f"{r[0]} {r[1]}")
def test_user_token_is_401(
    backoffice: TestClient, user_token: str, route: tuple[str, str, dict[str, Any] | None]
) -> None:
    """End-user tokens carry the main and media audiences, never the backoffice's."""
    assert_error(_call(backoffice, route, _PLACEHOLDERS, headers=bearer(user_token)), 401)


@pytest.mark.parametrize("route", ALL_ROUTES, ids=lambda r: f"{r[0]} {r[1]}")
def test_user_role_with_backoffice_audience_is_403(
    backoffice: TestClient, build: Factory, route: tuple[str, str, dict[str, Any] | None]
) -> None:
    token = issue_access_token(build.user().id, "user", STAFF_AUDIENCES, 0)
    assert_error(_call(backoffice, route, _PLACEHOLDERS, headers=bearer(token)), 403)


@pytest.mark.parametrize("route", OPERATOR_ROUTES, ids=lambda r: f"{r[0]} {r[1]}")
def test_photographer_on_operator_routes_is_403(
    backoffice: TestClient, photographer: dict[str, Any], route: tuple[str, str, dict[str, Any] | None]
) -> None:
    assert_error(_call(backoffice, route, _PLACEHOLDERS, headers=bearer(photographer["token"])), 403)


@pytest.mark.parametrize("route", PHOTOGRAPHER_ROUTES, ids=lambda r: f"{r[0]} {r[1]}")
def test_operator_on_photographer_routes_is_403(
    backoffice: TestClient, op: dict[str, Any], route: tuple[str, str, dict[str, Any] | None]
) -> None:
    assert_error(_call(backoffice, route, _PLACEHOLDERS, headers=bearer(op["token"])), 403)


@pytest.fixture
def resources(
    backoffice: TestClient, build: Factory, op: dict[str, Any], photographer: dict[str, Any]
) -> dict[str, str]:
    """One of each resource owned by `op` (the photographer assigned to the project)."""
    headers = bearer(op["token"])
    project = make_project(backoffice, op["token"])["id"]
    backoffice.post(
        f"/v1/projects/{project}/photographers", json={"photographerId": photographer["id"]}, headers=headers
    )
    discount = backoffice.post(
        "/v1/discounts", json={"name": "D", "type": "fixed", "value": 1}, headers=headers
    )
    backoffice.post(
        f"/v1/projects/{project}/discounts", json={"discountId": discount.json()["id"]}, headers=headers
    )
    rule = backoffice.post("/v1/pricing/rules", json={"pricePerPhotoCents": 1}, headers=headers)
    promo = backoffice.post(
        "/v1/promo-codes", json={"code": "OWNED", "discountId": discount.json()["id"]}, headers=headers
    )
    purchase = build.purchase(project, build.user())
    return {
        "project": project,
        "photographer": photographer["id"],
        "discount": discount.json()["id"],
        "rule": rule.json()["id"],
        "promo": promo.json()["id"],
        "purchase": str(purchase.id),
    }


_TENANT_ROUTES = [r for r in OPERATOR_ROUTES + STAFF_ROUTES if "{" in r[1]]


@pytest.mark.parametrize("route", _TENANT_ROUTES, ids=lambda r: f"{r[0]} {r[1]}")
def test_another_operator_gets_404_and_changes_nothing(
    backoffice: TestClient,
    op: dict[str, Any],
    other_op: dict[str, Any],
    resources: dict[str, str],
    route: tuple[str, str, dict[str, Any] | None],
) -> None:
    expected = 403 if route[1] == "/v1/purchases/{purchase}" else 404  # the spec's 403
    assert_error(_call(backoffice, route, resources, headers=bearer(other_op["token"])), expected)
    # The owner still sees everything unchanged.
    project = backoffice.get(f"/v1/projects/{resources['project']}", headers=bearer(op["token"])).json()
    assert (project["name"], project["status"], len(project["photographers"])) == ("Summer Gala", "draft", 1)
    promo = backoffice.get("/v1/promo-codes", headers=bearer(op["token"])).json()
    assert [(p["id"], p["isActive"]) for p in promo] == [(resources["promo"], True)]
    rules = backoffice.get("/v1/pricing/rules", headers=bearer(op["token"])).json()
    assert [(r["id"], r["pricePerPhotoCents"]) for r in rules] == [(resources["rule"], 1)]
    discounts = backoffice.get(
        f"/v1/projects/{resources['project']}/discounts", headers=bearer(op["token"])
    ).json()
    assert [d["name"] for d in discounts] == ["D"]


def test_deleted_account_token_is_401(backoffice: TestClient, db: Session) -> None:
    token = issue_access_token(uuid.uuid4(), "operator", STAFF_AUDIENCES, 0)
    assert_error(backoffice.get("/v1/projects", headers=bearer(token)), 401)

"""Analytics over rows built in the test database, with exact expected figures."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.backoffice.calls import make_project
from tests.factories import Factory
from tests.support.http import assert_error, bearer


def _invite(build: Factory, project_id: str, email: str, *, expired: bool = False) -> None:
    now = datetime.now(UTC)
    created = now - timedelta(days=20) if expired else now
    build.invite(project_id, email, created_at=created, expires_at=created + timedelta(days=14))


@pytest.fixture
def world(
    backoffice: TestClient,
    build: Factory,
    op: dict[str, Any],
    other_op: dict[str, Any],
    make_photographer: Any,
) -> dict[str, Any]:
    """Two projects of `op` (A with photographer ph1, B with ph2) and one of `other_op`."""
    ph1, ph2, rival = make_photographer(op), make_photographer(op), make_photographer(other_op)
    a = make_project(backoffice, op["token"], name="A")["id"]
    b = make_project(backoffice, op["token"], name="B")["id"]
    c = make_project(backoffice, other_op["token"], name="C")["id"]
    for project, photographer, token in ((a, ph1, op), (b, ph2, op), (c, rival, other_op)):
        response = backoffice.post(
            f"/v1/projects/{project}/photographers",
            json={"photographerId": photographer["id"]},
            headers=bearer(token["token"]),
        )
        assert response.status_code == 204
    u1, u2, u3, u4 = (build.user() for _ in range(4))
    # Photos: A/ph1 has 3 uploaded (ready, ready, failed) + pending + expired; A has 1 without
    # photographer; B/ph2 has 2 uploaded (ready, processing).
    a1, _a2 = build.photo(a, photographer=ph1["id"]), build.photo(a, photographer=ph1["id"])
    for status in ("failed", "pending_upload", "expired"):
        build.photo(a, photographer=ph1["id"], status=status)
    build.photo(a)
    b1 = build.photo(b, photographer=ph2["id"])
    build.photo(b, photographer=ph2["id"], status="processing")
    c1 = build.photo(c, photographer=rival["id"])
    # Members: A {u1, u2, u3}, B {u1, u4}, C {u2}.
    for project, users in ((a, (u1, u2, u3)), (b, (u1, u4)), (c, (u2,))):
        for user in users:
            build.member(user, project)
    # Tags: live u1@a1, deleted u2@a1, live u1@b1, live u4@b1, live u2@c1.
    build.tag(u1, a1)
    build.tag(u2, a1, deleted_at=datetime.now(UTC))
    build.tag(u1, b1)
    build.tag(u4, b1)
    build.tag(u2, c1)
    # Purchases: A paid 1000 + 500 (u1), pending u2, failed u3; B paid 1000 (u4), refunded u4; C paid.
    build.purchase(a, u1, photo_count=2, unit_price_cents=500)
    build.purchase(a, u1, photo_count=1, unit_price_cents=500)
    build.purchase(a, u2, status="pending")
    build.purchase(a, u3, status="failed")
    build.purchase(b, u4, photo_count=3, unit_price_cents=400, discount_cents=200)
    build.purchase(b, u4, status="refunded", photo_count=1, unit_price_cents=400)
    build.purchase(c, u2, photo_count=10, unit_price_cents=999)
    # Invites: A {a, b, b again after expiry}, B {a, c}, C {z}.
    _invite(build, a, "a@example.com")
    _invite(build, a, "b@example.com", expired=True)
    _invite(build, a, "b@example.com")
    _invite(build, b, "a@example.com")
    _invite(build, b, "c@example.com")
    _invite(build, c, "z@example.com")
    return {"a": a, "b": b, "c": c, "ph1": ph1, "ph2": ph2, "rival": rival}


def _get(client: TestClient, token: str, **params: str) -> dict[str, Any]:
    response = client.get("/v1/analytics", params=params, headers=bearer(token))
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def test_all_projects(backoffice: TestClient, op: dict[str, Any], world: dict[str, Any]) -> None:
    body = _get(backoffice, op["token"])
    assert body["kpis"] == {
        "membersEnrolled": 5,
        "revenueInCents": 2500,
        "photosUploaded": 6,
        "usersTagged": 2,
        "purchasesMade": 3,
    }
    assert [(p["name"], p["photoCount"], p["photographerId"]) for p in body["photosByPhotographer"]] == [
        ("Ana Lens", 3, world["ph1"]["id"]),
        ("Ana Lens", 2, world["ph2"]["id"]),
    ]
    assert [
        (r["projectName"], r["purchasesMade"], r["revenueInCents"]) for r in body["revenueByProject"]
    ] == [
        ("A", 2, 1500),
        ("B", 1, 1000),
    ]
    assert body["conversionFunnel"] == {"invited": 3, "enrolled": 4, "tagged": 2, "purchased": 2}


def test_filtered_by_project(backoffice: TestClient, op: dict[str, Any], world: dict[str, Any]) -> None:
    body = _get(backoffice, op["token"], projectIds=world["a"])
    assert body["kpis"] == {
        "membersEnrolled": 3,
        "revenueInCents": 1500,
        "photosUploaded": 4,
        "usersTagged": 1,
        "purchasesMade": 2,
    }
    assert [p["photoCount"] for p in body["photosByPhotographer"]] == [3, 0]
    assert [r["projectId"] for r in body["revenueByProject"]] == [world["a"]]
    assert body["conversionFunnel"] == {"invited": 2, "enrolled": 3, "tagged": 1, "purchased": 1}
    both = _get(backoffice, op["token"], projectIds=f"{world['a']}, {world['b']}")
    assert both["kpis"]["revenueInCents"] == 2500


def test_filtered_by_photographer(backoffice: TestClient, op: dict[str, Any], world: dict[str, Any]) -> None:
    body = _get(backoffice, op["token"], photographerIds=world["ph2"]["id"])
    assert body["kpis"] == {
        "membersEnrolled": 2,
        "revenueInCents": 1000,
        "photosUploaded": 2,
        "usersTagged": 2,
        "purchasesMade": 1,
    }
    assert [(p["photographerId"], p["photoCount"]) for p in body["photosByPhotographer"]] == [
        (world["ph2"]["id"], 2)
    ]
    assert body["conversionFunnel"] == {"invited": 2, "enrolled": 2, "tagged": 2, "purchased": 1}


def test_ids_of_another_operator_match_nothing(
    backoffice: TestClient, op: dict[str, Any], world: dict[str, Any]
) -> None:
    body = _get(backoffice, op["token"], projectIds=world["c"])
    assert body["kpis"] == dict.fromkeys(
        ("membersEnrolled", "revenueInCents", "photosUploaded", "usersTagged", "purchasesMade"), 0
    )
    assert body["revenueByProject"] == []
    assert body["conversionFunnel"] == {"invited": 0, "enrolled": 0, "tagged": 0, "purchased": 0}
    rival = _get(backoffice, op["token"], photographerIds=world["rival"]["id"])
    assert rival["photosByPhotographer"] == [] and rival["kpis"]["photosUploaded"] == 0


def test_other_operator_sees_only_its_own(
    backoffice: TestClient, other_op: dict[str, Any], world: dict[str, Any]
) -> None:
    body = _get(backoffice, other_op["token"])
    assert body["kpis"] == {
        "membersEnrolled": 1,
        "revenueInCents": 9990,
        "photosUploaded": 1,
        "usersTagged": 1,
        "purchasesMade": 1,
    }
    assert body["conversionFunnel"] == {"invited": 1, "enrolled": 1, "tagged": 1, "purchased": 1}


def test_empty_account(backoffice: TestClient, op: dict[str, Any]) -> None:
    body = _get(backoffice, op["token"])
    assert body["kpis"]["revenueInCents"] == 0
    assert body["photosByPhotographer"] == [] and body["revenueByProject"] == []


@pytest.mark.parametrize(
    "params",
    [{"projectIds": "not-a-uuid"}, {"projectIds": f"{uuid.uuid4()},x"}, {"photographerIds": "123"}],
)
def test_malformed_ids_are_422(backoffice: TestClient, op: dict[str, Any], params: dict[str, str]) -> None:
    assert_error(backoffice.get("/v1/analytics", params=params, headers=bearer(op["token"])), 422)

"""Orders: the purchases of the operator's projects, paged and filtered, and their detail."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from api.models import PurchaseDownload, PurchaseItem
from tests.backoffice.calls import make_project
from tests.factories import Factory
from tests.support.http import assert_error, bearer


@pytest.fixture
def orders(
    backoffice: TestClient, build: Factory, db: Session, op: dict[str, Any], other_op: dict[str, Any]
) -> dict[str, Any]:
    a = make_project(backoffice, op["token"], name="A")["id"]
    b = make_project(backoffice, op["token"], name="B")["id"]
    c = make_project(backoffice, other_op["token"], name="C")["id"]
    buyer = build.user(name="Bea Buyer")
    start = datetime(2026, 4, 1, tzinfo=UTC)
    made = [
        build.purchase(a, buyer, created_at=start + timedelta(hours=i), status=status, promo_code=promo)
        for i, (status, promo) in enumerate(
            [("paid", "SUMMER10"), ("pending", None), ("paid", None), ("failed", None), ("refunded", None)]
        )
    ]
    in_b = build.purchase(b, buyer, created_at=start + timedelta(hours=10))
    foreign = build.purchase(c, buyer, created_at=start + timedelta(hours=20))
    photo = build.photo(a)
    # Every purchase lists its photos; only the paid one grants a download right.
    for purchase in made:
        db.add(PurchaseItem(purchase_id=purchase.id, photo_id=photo.id, price_cents=500, photo_name="a.jpg"))
    db.add(PurchaseDownload(purchase_id=made[0].id, photo_id=photo.id, download_count=3))
    db.commit()
    return {"a": a, "b": b, "made": made, "in_b": in_b, "foreign": foreign, "photo": photo, "buyer": buyer}


def _list(client: TestClient, token: str, **params: Any) -> dict[str, Any]:
    response = client.get("/v1/purchases", params=params, headers=bearer(token))
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def test_list_newest_first_with_total(
    backoffice: TestClient, op: dict[str, Any], orders: dict[str, Any]
) -> None:
    body = _list(backoffice, op["token"])
    expected = [str(orders["in_b"].id)] + [str(p.id) for p in reversed(orders["made"])]
    assert [i["id"] for i in body["items"]] == expected
    assert (body["total"], body["page"], body["limit"]) == (6, 1, 50)
    first = body["items"][-1]
    assert first["status"] == "paid" and first["appliedPromoCode"] == "SUMMER10"
    assert (
        first["photoCount"],
        first["subtotalCents"],
        first["discountAppliedCents"],
        first["totalCents"],
    ) == (
        2,
        1000,
        0,
        1000,
    )
    assert first["project"] == {"id": orders["a"], "name": "A"}
    assert first["user"] == {
        "id": str(orders["buyer"].id),
        "email": orders["buyer"].email,
        "name": "Bea Buyer",
    }
    assert first["stripePaymentIntentId"].startswith("pi_")


def test_list_filters_and_pages(backoffice: TestClient, op: dict[str, Any], orders: dict[str, Any]) -> None:
    in_a = _list(backoffice, op["token"], projectId=orders["a"])
    assert in_a["total"] == 5
    paid = _list(backoffice, op["token"], status="paid")
    assert paid["total"] == 3 and {i["status"] for i in paid["items"]} == {"paid"}
    paid_in_a = _list(backoffice, op["token"], status="paid", projectId=orders["a"])
    assert paid_in_a["total"] == 2
    page2 = _list(backoffice, op["token"], page=2, limit=2)
    assert (page2["total"], page2["page"], page2["limit"]) == (6, 2, 2)
    assert [i["id"] for i in page2["items"]] == [str(orders["made"][3].id), str(orders["made"][2].id)]
    assert _list(backoffice, op["token"], page=9, limit=2)["items"] == []
    # Another operator's project matches nothing.
    theirs = _list(backoffice, op["token"], projectId=str(orders["foreign"].project_id))
    assert theirs == {"items": [], "total": 0, "page": 1, "limit": 50}


def test_other_operator_sees_only_its_purchases(
    backoffice: TestClient, other_op: dict[str, Any], orders: dict[str, Any]
) -> None:
    body = _list(backoffice, other_op["token"])
    assert [i["id"] for i in body["items"]] == [str(orders["foreign"].id)]


@pytest.mark.parametrize(
    "params",
    [{"page": 0}, {"limit": 0}, {"limit": 101}, {"status": "shipped"}, {"projectId": "x"}, {"page": "one"}],
)
def test_list_rejects_bad_queries(backoffice: TestClient, op: dict[str, Any], params: dict[str, Any]) -> None:
    assert_error(backoffice.get("/v1/purchases", params=params, headers=bearer(op["token"])), 422)


def test_detail(
    backoffice: TestClient, op: dict[str, Any], other_op: dict[str, Any], orders: dict[str, Any]
) -> None:
    purchase = orders["made"][0]
    response = backoffice.get(f"/v1/purchases/{purchase.id}", headers=bearer(op["token"]))
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == str(purchase.id) and body["project"]["name"] == "A"
    photo_id = str(orders["photo"].id)
    assert body["downloads"] == [{"photoId": photo_id, "photoName": "a.jpg", "downloadCount": 3}]
    # Pending, failed and refunded purchases list their photos too (no download right: 0 uses).
    for unpaid in orders["made"][1], orders["made"][3], orders["made"][4]:
        detail = backoffice.get(f"/v1/purchases/{unpaid.id}", headers=bearer(op["token"])).json()
        assert detail["downloads"] == [{"photoId": photo_id, "photoName": "a.jpg", "downloadCount": 0}]
    assert_error(backoffice.get(f"/v1/purchases/{purchase.id}", headers=bearer(other_op["token"])), 403)
    assert_error(backoffice.get(f"/v1/purchases/{orders['foreign'].id}", headers=bearer(op["token"])), 403)
    assert_error(backoffice.get(f"/v1/purchases/{uuid.uuid4()}", headers=bearer(op["token"])), 404)
    assert_error(backoffice.get("/v1/purchases/nope", headers=bearer(op["token"])), 422)

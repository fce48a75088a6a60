"""Pricing rules, discounts and promo codes."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlalchemy.orm import Session

from api.models import PromoCode
from tests.backoffice.calls import make_project
from tests.support.http import assert_error, bearer


def _post(client: TestClient, path: str, token: str, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post(path, json=body, headers=bearer(token))
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


# --- pricing rules -------------------------------------------------------------------------------


def test_pricing_rules_crud(backoffice: TestClient, op: dict[str, Any], other_op: dict[str, Any]) -> None:
    project = make_project(backoffice, op["token"])
    override = _post(
        backoffice,
        "/v1/pricing/rules",
        op["token"],
        {"projectId": project["id"], "pricePerPhotoCents": 400, "compareAtPriceCents": 600},
    )
    default = _post(
        backoffice,
        "/v1/pricing/rules",
        op["token"],
        {
            "pricePerPhotoCents": 500,
            "validFrom": "2026-01-01T00:00:00Z",
            "validUntil": "2027-01-01T00:00:00Z",
        },
    )
    assert set(default) == {
        "id",
        "projectId",
        "pricePerPhotoCents",
        "compareAtPriceCents",
        "validFrom",
        "validUntil",
        "isActive",
        "createdAt",
    }
    assert default["projectId"] is None and default["isActive"] is True
    _post(backoffice, "/v1/pricing/rules", other_op["token"], {"pricePerPhotoCents": 1})
    listed = backoffice.get("/v1/pricing/rules", headers=bearer(op["token"])).json()
    assert [r["id"] for r in listed] == [default["id"], override["id"]]  # default first
    path = f"/v1/pricing/rules/{override['id']}"
    patched = backoffice.patch(
        path,
        json={"pricePerPhotoCents": 450, "compareAtPriceCents": None, "isActive": False},
        headers=bearer(op["token"]),
    )
    assert patched.status_code == 200
    assert (
        patched.json()["pricePerPhotoCents"],
        patched.json()["compareAtPriceCents"],
        patched.json()["isActive"],
    ) == (
        450,
        None,
        False,
    )
    assert_error(
        backoffice.patch(path, json={"pricePerPhotoCents": 1}, headers=bearer(other_op["token"])), 404
    )
    assert_error(backoffice.delete(path, headers=bearer(other_op["token"])), 404)
    assert backoffice.delete(path, headers=bearer(op["token"])).status_code == 204
    assert_error(backoffice.delete(path, headers=bearer(op["token"])), 404)


def test_pricing_rule_for_another_operators_project_is_404(
    backoffice: TestClient, op: dict[str, Any], other_op: dict[str, Any]
) -> None:
    theirs = make_project(backoffice, other_op["token"])
    response = backoffice.post(
        "/v1/pricing/rules",
        json={"projectId": theirs["id"], "pricePerPhotoCents": 100},
        headers=bearer(op["token"]),
    )
    assert_error(response, 404)


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"pricePerPhotoCents": -1},
        {"pricePerPhotoCents": "cheap"},
        {"pricePerPhotoCents": "100"},
        {"pricePerPhotoCents": True},
        {"pricePerPhotoCents": 100, "compareAtPriceCents": -5},
        {
            "pricePerPhotoCents": 100,
            "validFrom": "2026-02-01T00:00:00Z",
            "validUntil": "2026-01-01T00:00:00Z",
        },
        {
            "pricePerPhotoCents": 100,
            "validFrom": "2026-02-01T00:00:00Z",
            "validUntil": "2026-02-01T00:00:00Z",
        },
        {"pricePerPhotoCents": 100, "projectId": "nope"},
        {"pricePerPhotoCents": 100, "currency": "eur"},
    ],
)
def test_pricing_rule_rejects_bad_bodies(
    backoffice: TestClient, op: dict[str, Any], body: dict[str, Any]
) -> None:
    assert_error(backoffice.post("/v1/pricing/rules", json=body, headers=bearer(op["token"])), 422)


@pytest.mark.parametrize(
    "body",
    [
        {"pricePerPhotoCents": None},
        {"isActive": None},
        {"isActive": "yes"},
        {"isActive": 1},
        {"validUntil": "2025-06-01T00:00:00Z"},
        {"x": 1},
    ],
)
def test_pricing_rule_patch_rejects_bad_bodies(
    backoffice: TestClient, op: dict[str, Any], body: dict[str, Any]
) -> None:
    rule = _post(
        backoffice,
        "/v1/pricing/rules",
        op["token"],
        {"pricePerPhotoCents": 1, "validFrom": "2026-01-01T00:00:00Z"},
    )
    assert_error(
        backoffice.patch(f"/v1/pricing/rules/{rule['id']}", json=body, headers=bearer(op["token"])), 422
    )


# --- discounts -----------------------------------------------------------------------------------


def test_discount_types(backoffice: TestClient, op: dict[str, Any]) -> None:
    percentage = _post(
        backoffice,
        "/v1/discounts",
        op["token"],
        {"name": "P", "type": "percentage", "value": 20, "bundleMinPhotos": 5},
    )
    assert percentage["bundleMinPhotos"] is None  # ignored
    fixed = _post(backoffice, "/v1/discounts", op["token"], {"name": "F", "type": "fixed", "value": 2500})
    assert fixed["value"] == 2500
    bundle = _post(
        backoffice,
        "/v1/discounts",
        op["token"],
        {"name": "B", "type": "bundle", "value": 30, "bundleMinPhotos": 10},
    )
    assert (bundle["type"], bundle["value"], bundle["bundleMinPhotos"]) == ("bundle", 30, 10)
    listed = backoffice.get("/v1/discounts", headers=bearer(op["token"])).json()
    assert {d["id"] for d in listed} == {percentage["id"], fixed["id"], bundle["id"]}


@pytest.mark.parametrize(
    "body",
    [
        {"name": "X", "type": "percentage", "value": 0},
        {"name": "X", "type": "percentage", "value": 101},
        {"name": "X", "type": "fixed", "value": 0},
        {"name": "X", "type": "bundle", "value": 30},
        {"name": "X", "type": "bundle", "value": 30, "bundleMinPhotos": 1},
        {"name": "X", "type": "bundle", "value": 130, "bundleMinPhotos": 3},
        {"name": "X", "type": "bogus", "value": 10},
        {"name": "", "type": "fixed", "value": 10},
        {"name": "X", "type": "fixed", "value": 10, "validFrom": "2026-02-01", "validUntil": "2026-01-01"},
    ],
)
def test_discount_rejects_bad_bodies(
    backoffice: TestClient, op: dict[str, Any], body: dict[str, Any]
) -> None:
    assert_error(backoffice.post("/v1/discounts", json=body, headers=bearer(op["token"])), 422)


def test_discount_patch_and_delete(
    backoffice: TestClient, op: dict[str, Any], other_op: dict[str, Any]
) -> None:
    discount = _post(backoffice, "/v1/discounts", op["token"], {"name": "D", "type": "fixed", "value": 100})
    path = f"/v1/discounts/{discount['id']}"
    patched = backoffice.patch(
        path,
        json={"name": "Renamed", "isActive": False, "validUntil": "2030-01-01T00:00:00Z"},
        headers=bearer(op["token"]),
    )
    assert patched.status_code == 200
    assert (patched.json()["name"], patched.json()["isActive"]) == ("Renamed", False)
    assert_error(backoffice.patch(path, json={"value": 5}, headers=bearer(op["token"])), 422)  # not patchable
    assert_error(backoffice.patch(path, json={"name": None}, headers=bearer(op["token"])), 422)
    assert_error(backoffice.patch(path, json={"name": "x"}, headers=bearer(other_op["token"])), 404)
    assert backoffice.get("/v1/discounts", headers=bearer(other_op["token"])).json() == []
    assert_error(backoffice.delete(path, headers=bearer(other_op["token"])), 404)
    assert backoffice.delete(path, headers=bearer(op["token"])).status_code == 204


def test_discount_with_promo_codes_is_not_deleted(backoffice: TestClient, op: dict[str, Any]) -> None:
    """The promo codes pointing at a discount are never deleted with it: 409 until they are gone."""
    discount = _post(backoffice, "/v1/discounts", op["token"], {"name": "D", "type": "fixed", "value": 100})
    promo = _post(
        backoffice, "/v1/promo-codes", op["token"], {"code": "KEEPME", "discountId": discount["id"]}
    )
    path = f"/v1/discounts/{discount['id']}"
    assert_error(backoffice.delete(path, headers=bearer(op["token"])), 409, "discount_in_use")
    codes = backoffice.get("/v1/promo-codes", headers=bearer(op["token"])).json()
    assert [p["id"] for p in codes] == [promo["id"]]
    assert [d["id"] for d in backoffice.get("/v1/discounts", headers=bearer(op["token"])).json()] == [
        discount["id"]
    ]
    promo_path = f"/v1/promo-codes/{promo['id']}"
    assert backoffice.delete(promo_path, headers=bearer(op["token"])).status_code == 204
    assert backoffice.delete(path, headers=bearer(op["token"])).status_code == 204


# --- promo codes ---------------------------------------------------------------------------------


def test_promo_codes_crud(
    backoffice: TestClient, op: dict[str, Any], other_op: dict[str, Any], db: Session
) -> None:
    discount = _post(
        backoffice, "/v1/discounts", op["token"], {"name": "D", "type": "percentage", "value": 20}
    )
    promo = _post(
        backoffice,
        "/v1/promo-codes",
        op["token"],
        {"code": "summer20", "discountId": discount["id"], "maxUses": 10, "maxUsesPerUser": 1},
    )
    assert (promo["code"], promo["usedCount"], promo["maxUses"], promo["isActive"]) == (
        "SUMMER20",
        0,
        10,
        True,
    )
    duplicate = backoffice.post(
        "/v1/promo-codes",
        json={"code": "Summer20", "discountId": discount["id"]},
        headers=bearer(op["token"]),
    )
    assert_error(duplicate, 409, "promo_code_taken")
    # Another operator may use the same code with its own discount, not with ours.
    theirs = _post(
        backoffice, "/v1/discounts", other_op["token"], {"name": "T", "type": "fixed", "value": 100}
    )
    _post(backoffice, "/v1/promo-codes", other_op["token"], {"code": "SUMMER20", "discountId": theirs["id"]})
    stolen = backoffice.post(
        "/v1/promo-codes",
        json={"code": "MINE", "discountId": discount["id"]},
        headers=bearer(other_op["token"]),
    )
    assert_error(stolen, 404)
    assert [p["id"] for p in backoffice.get("/v1/promo-codes", headers=bearer(op["token"])).json()] == [
        promo["id"]
    ]
    path = f"/v1/promo-codes/{promo['id']}"
    patched = backoffice.patch(
        path, json={"isActive": False, "maxUses": 20, "maxUsesPerUser": None}, headers=bearer(op["token"])
    )
    assert patched.status_code == 200
    assert (patched.json()["isActive"], patched.json()["maxUses"], patched.json()["maxUsesPerUser"]) == (
        False,
        20,
        None,
    )
    db.execute(update(PromoCode).where(PromoCode.id == uuid.UUID(promo["id"])).values(used_count=5))
    db.commit()  # a savepoint: the 409 below rolls back only its own work
    assert_error(backoffice.patch(path, json={"maxUses": 4}, headers=bearer(op["token"])), 409)
    assert backoffice.get("/v1/promo-codes", headers=bearer(op["token"])).json()[0]["usedCount"] == 5
    assert_error(backoffice.patch(path, json={"isActive": True}, headers=bearer(other_op["token"])), 404)
    assert_error(backoffice.delete(path, headers=bearer(other_op["token"])), 404)
    assert backoffice.delete(path, headers=bearer(op["token"])).status_code == 204


@pytest.mark.parametrize(
    "body",
    [
        {"code": "OK20"},
        {"code": "no spaces", "discountId": "{d}"},
        {"code": "AB", "discountId": "{d}"},
        {"code": "X" * 65, "discountId": "{d}"},
        {"code": "OK20", "discountId": "{d}", "maxUses": 0},
        {"code": "OK20", "discountId": "{d}", "maxUsesPerUser": -1},
        {"code": "OK20", "discountId": "{d}", "validFrom": "2026-02-01", "validUntil": "2026-01-01"},
    ],
)
def test_promo_code_rejects_bad_bodies(
    backoffice: TestClient, op: dict[str, Any], body: dict[str, Any]
) -> None:
    discount = _post(backoffice, "/v1/discounts", op["token"], {"name": "D", "type": "fixed", "value": 100})
    body = {k: (discount["id"] if v == "{d}" else v) for k, v in body.items()}
    assert_error(backoffice.post("/v1/promo-codes", json=body, headers=bearer(op["token"])), 422)
    assert backoffice.get("/v1/promo-codes", headers=bearer(op["token"])).json() == []


def test_a_promo_code_with_overruns_stays_editable(
    backoffice: TestClient, op: dict[str, Any], db: Session
) -> None:
    """Uses paid after the cap was reached (overruns) do not count against a new maxUses."""
    discount = _post(backoffice, "/v1/discounts", op["token"], {"name": "D", "type": "fixed", "value": 100})
    promo = _post(backoffice, "/v1/promo-codes", op["token"], {"code": "OVER", "discountId": discount["id"]})
    db.execute(
        update(PromoCode)
        .where(PromoCode.id == uuid.UUID(promo["id"]))
        .values(max_uses=2, used_count=3, overrun_count=1)
    )
    db.commit()  # a savepoint: the 409 below rolls back only its own work
    path = f"/v1/promo-codes/{promo['id']}"
    patched = backoffice.patch(path, json={"isActive": False}, headers=bearer(op["token"]))
    assert patched.status_code == 200, patched.text
    assert_error(
        backoffice.patch(path, json={"maxUses": 1}, headers=bearer(op["token"])), 409, "below_used_count"
    )


def test_promo_code_for_unknown_discount_is_404(backoffice: TestClient, op: dict[str, Any]) -> None:
    response = backoffice.post(
        "/v1/promo-codes",
        json={"code": "GHOST", "discountId": str(uuid.uuid4())},
        headers=bearer(op["token"]),
    )
    assert_error(response, 404)

"""The operator's own profile."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from api.models import Operator
from tests.support.http import assert_error, bearer

ADDRESS = {"line1": "1 Rue de Rivoli", "city": "Paris", "postalCode": "75001", "country": "fr"}


def test_get_profile(backoffice: TestClient, op: dict[str, Any]) -> None:
    response = backoffice.get("/v1/operators/me", headers=bearer(op["token"]))
    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["email"], body["name"]) == (op["id"], op["email"], "Lumen Studio")
    assert (body["currency"], body["locale"], body["timezone"], body["profilePictureUrl"]) == (
        "eur",
        "en",
        "UTC",
        None,
    )


def test_patch_profile(backoffice: TestClient, op: dict[str, Any], db: Session) -> None:
    key = f"operators/{op['id']}/profile.jpg"
    response = backoffice.patch(
        "/v1/operators/me",
        json={
            "name": "Lumen Studio SAS",
            "phone": "+33 1 23 45 67 89",
            "companyName": "Lumen SAS",
            "address": ADDRESS,
            "billingAddress": ADDRESS | {"line2": "Bâtiment B", "region": "IDF"},
            "currency": "USD",
            "locale": "fr-FR",
            "timezone": "Europe/Paris",
            "profilePictureUrl": f"https://r2.example.com/wairo-media/{key}",
        },
        headers=bearer(op["token"]),
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["currency"] == "usd" and body["locale"] == "fr-FR" and body["timezone"] == "Europe/Paris"
    assert body["address"] == ADDRESS | {"country": "FR", "line2": None, "region": None}
    assert body["billingAddress"]["line2"] == "Bâtiment B"
    assert key in body["profilePictureUrl"] and "Signature" in body["profilePictureUrl"]
    operator = db.get(Operator, __import__("uuid").UUID(op["id"]))
    assert operator is not None and operator.profile_picture_key == key
    assert operator.address == {
        "line1": "1 Rue de Rivoli",
        "city": "Paris",
        "postalCode": "75001",
        "country": "FR",
    }
    cleared = backoffice.patch(
        "/v1/operators/me", json={"profilePictureUrl": None, "address": None}, headers=bearer(op["token"])
    )
    assert cleared.json()["profilePictureUrl"] is None and cleared.json()["address"] is None


@pytest.mark.parametrize(
    "body",
    [
        {"currency": "xyz"},
        {"currency": None},
        {"locale": "not a locale"},
        {"timezone": "Nowhere"},
        {"name": ""},
        {"phone": "call me"},
        {"address": {"line1": "x"}},
        {"address": ADDRESS | {"country": "FRA"}},
        {"email": "new@example.com"},
        {"profilePictureUrl": "operators/00000000-0000-0000-0000-000000000000/profile.jpg"},
    ],
)
def test_patch_profile_rejects_bad_bodies(
    backoffice: TestClient, op: dict[str, Any], body: dict[str, Any]
) -> None:
    assert_error(backoffice.patch("/v1/operators/me", json=body, headers=bearer(op["token"])), 422)
    assert backoffice.get("/v1/operators/me", headers=bearer(op["token"])).json()["currency"] == "eur"

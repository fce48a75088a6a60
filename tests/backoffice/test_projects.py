"""Projects: create, read, update, lifecycle, delete, terms versions, photographers, discount links."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.models import OutboxMessage, Photo, Project, Purchase, PurchaseDownload, TermsVersion
from tests.backoffice.calls import make_project
from tests.factories import Factory
from tests.support.http import assert_error, bearer


def _terms(db: Session, project_id: str) -> list[tuple[int, str]]:
    rows = db.execute(
        select(TermsVersion.version, TermsVersion.content)
        .where(TermsVersion.project_id == uuid.UUID(project_id))
        .order_by(TermsVersion.version)
    )
    return [(v, c) for v, c in rows]


def test_create_defaults_to_private_draft_and_is_provisioned(
    backoffice: TestClient, op: dict[str, Any]
) -> None:
    project = make_project(backoffice, op["token"])
    assert project["type"] == "private"
    assert project["status"] == "draft"
    assert project["photographers"] == []
    assert project["provisioningPhase"] == "Ready"
    assert project["timezone"] == "UTC"
    assert project["termsAndConditions"] is None and project["termsVersion"] is None


def test_create_with_every_field(backoffice: TestClient, op: dict[str, Any], db: Session) -> None:
    project = make_project(
        backoffice,
        op["token"],
        type="public",
        status="live",
        locationName="Harbour Hall",
        startAt="2026-07-01T18:00:00+02:00",
        endAt="2026-07-01T23:00:00",
        projectLink="https://gala.example.com/2026",
        termsAndConditions="Be nice.",
        timezone="Europe/Paris",
    )
    assert project["type"] == "public" and project["status"] == "live"
    assert project["locationName"] == "Harbour Hall"
    assert project["startAt"].startswith("2026-07-01T16:00:00")
    assert project["endAt"].startswith("2026-07-01T23:00:00")  # no offset: read as UTC
    assert project["projectLink"] == "https://gala.example.com/2026"
    assert project["termsVersion"] == 1
    assert _terms(db, project["id"]) == [(1, "Be nice.")]


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"name": ""},
        {"name": "X", "type": "secret"},
        {"name": "X", "status": "closed"},
        {"name": "X", "startAt": "2026-07-02T00:00:00Z", "endAt": "2026-07-01T00:00:00Z"},
        {"name": "X", "startAt": "tomorrow"},
        {"name": "X", "startAt": 0},  # not a Unix time
        {"name": "X", "startAt": "1700000000"},
        {"name": "X", "projectLink": "not a url"},
        {"name": "X", "projectLink": "ftp://example.com/x"},
        {"name": "X", "timezone": "Mars/Olympus"},
        {"name": "X", "colour": "red"},
        {"name": "X", "termsAndConditions": ""},
    ],
)
def test_create_rejects_bad_bodies(backoffice: TestClient, op: dict[str, Any], body: dict[str, Any]) -> None:
    assert_error(backoffice.post("/v1/projects", json=body, headers=bearer(op["token"])), 422)


def test_list_shows_only_own_projects(
    backoffice: TestClient, op: dict[str, Any], other_op: dict[str, Any]
) -> None:
    mine = make_project(backoffice, op["token"], name="Mine")
    make_project(backoffice, other_op["token"], name="Theirs")
    listed = backoffice.get("/v1/projects", headers=bearer(op["token"]))
    assert listed.status_code == 200
    assert [p["id"] for p in listed.json()] == [mine["id"]]
    assert "photographers" not in listed.json()[0]


def test_get_project_by_staff(
    backoffice: TestClient, op: dict[str, Any], other_op: dict[str, Any], photographer: dict[str, Any]
) -> None:
    project = make_project(backoffice, op["token"])
    path = f"/v1/projects/{project['id']}"
    assert backoffice.get(path, headers=bearer(op["token"])).json()["id"] == project["id"]
    assert_error(backoffice.get(path, headers=bearer(other_op["token"])), 404)
    assert_error(backoffice.get(path, headers=bearer(photographer["token"])), 404)  # not assigned yet
    assigned = backoffice.post(
        f"{path}/photographers", json={"photographerId": photographer["id"]}, headers=bearer(op["token"])
    )
    assert assigned.status_code == 204
    seen = backoffice.get(path, headers=bearer(photographer["token"]))
    assert seen.status_code == 200
    assert seen.json()["photographers"] == [
        {"id": photographer["id"], "name": "Ana Lens", "email": photographer["email"]}
    ]
    assert_error(backoffice.get("/v1/projects/not-a-uuid", headers=bearer(op["token"])), 422)


def test_patch_updates_fields_and_versions_terms(
    backoffice: TestClient, op: dict[str, Any], db: Session
) -> None:
    project = make_project(backoffice, op["token"], termsAndConditions="v1 text")
    path = f"/v1/projects/{project['id']}"
    response = backoffice.patch(
        path,
        json={
            "name": "Winter Gala",
            "type": "public",
            "locationName": "Ice Rink",
            "startAt": "2026-12-01T10:00:00Z",
            "timezone": "Asia/Tokyo",
            "projectLink": "https://example.com/w",
            "termsAndConditions": "v2 text",
        },
        headers=bearer(op["token"]),
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["name"], body["type"], body["locationName"], body["timezone"]) == (
        "Winter Gala",
        "public",
        "Ice Rink",
        "Asia/Tokyo",
    )
    assert body["termsVersion"] == 2
    # Unchanged terms store nothing; other fields can be cleared.
    again = backoffice.patch(
        path, json={"termsAndConditions": "v2 text", "locationName": None}, headers=bearer(op["token"])
    )
    assert again.json()["termsVersion"] == 2 and again.json()["locationName"] is None
    assert _terms(db, project["id"]) == [(1, "v1 text"), (2, "v2 text")]


@pytest.mark.parametrize(
    "body",
    [
        {"name": None},
        {"type": None},
        {"timezone": "Nowhere/City"},
        {"endAt": "2026-11-30T00:00:00Z"},  # before the stored startAt
        {"status": "live"},  # not a patchable field
        {"projectLink": "nope"},
    ],
)
def test_patch_rejects_bad_bodies(backoffice: TestClient, op: dict[str, Any], body: dict[str, Any]) -> None:
    project = make_project(backoffice, op["token"], startAt="2026-12-01T00:00:00Z")
    response = backoffice.patch(f"/v1/projects/{project['id']}", json=body, headers=bearer(op["token"]))
    assert_error(response, 422)


def _set_status(client: TestClient, token: str, project_id: str, status: str) -> Any:
    return client.patch(f"/v1/projects/{project_id}/status", json={"status": status}, headers=bearer(token))


def test_documented_transitions_succeed(backoffice: TestClient, op: dict[str, Any]) -> None:
    project = make_project(backoffice, op["token"])
    for status in ("live", "draft", "live", "closed", "archived"):
        response = _set_status(backoffice, op["token"], project["id"], status)
        assert response.status_code == 200, response.text
        assert response.json()["status"] == status


@pytest.mark.parametrize(
    ("path", "target"),
    [
        ((), "draft"),
        ((), "closed"),
        ((), "archived"),
        (("live",), "live"),
        (("live",), "archived"),
        (("live", "closed"), "live"),
        (("live", "closed"), "draft"),
        (("live", "closed", "archived"), "live"),
        (("live", "closed", "archived"), "closed"),
    ],
)
def test_other_transitions_are_409(
    backoffice: TestClient, op: dict[str, Any], path: tuple[str, ...], target: str
) -> None:
    project = make_project(backoffice, op["token"])
    for status in path:
        assert _set_status(backoffice, op["token"], project["id"], status).status_code == 200
    body = assert_error(
        _set_status(backoffice, op["token"], project["id"], target), 409, "invalid_transition"
    )
    assert body["error"]["details"]["to"] == target


def test_status_validation_and_tenancy(
    backoffice: TestClient, op: dict[str, Any], other_op: dict[str, Any]
) -> None:
    project = make_project(backoffice, op["token"])
    assert_error(_set_status(backoffice, op["token"], project["id"], "published"), 422)
    assert_error(_set_status(backoffice, other_op["token"], project["id"], "live"), 404)


def test_delete_removes_rows_and_enqueues_object_deletion(
    backoffice: TestClient, op: dict[str, Any], other_op: dict[str, Any], db: Session
) -> None:
    project = make_project(backoffice, op["token"], termsAndConditions="t")
    path = f"/v1/projects/{project['id']}"
    assert_error(backoffice.delete(path, headers=bearer(other_op["token"])), 404)
    response = backoffice.delete(path, headers=bearer(op["token"]))
    assert response.status_code == 204 and response.content == b""
    assert db.get(Project, uuid.UUID(project["id"])) is None
    assert _terms(db, project["id"]) == []
    jobs = db.scalars(
        select(OutboxMessage).where(
            OutboxMessage.task == "delete_objects",
            OutboxMessage.dedup_key == f"delete_objects:project:{project['id']}",
        )
    ).all()
    assert [j.payload for j in jobs] == [{"prefixes": [f"photos/{project['id']}/"]}]
    assert_error(backoffice.get(path, headers=bearer(op["token"])), 404)


def test_assign_and_remove_photographers(
    backoffice: TestClient,
    op: dict[str, Any],
    other_op: dict[str, Any],
    photographer: dict[str, Any],
    make_photographer: Any,
) -> None:
    project = make_project(backoffice, op["token"])
    path = f"/v1/projects/{project['id']}/photographers"
    assign = {"photographerId": photographer["id"]}
    assert backoffice.post(path, json=assign, headers=bearer(op["token"])).status_code == 204
    assert backoffice.post(path, json=assign, headers=bearer(op["token"])).status_code == 204  # idempotent
    stranger = make_photographer(other_op)
    assert_error(
        backoffice.post(path, json={"photographerId": stranger["id"]}, headers=bearer(op["token"])), 404
    )
    assert_error(
        backoffice.post(path, json={"photographerId": str(uuid.uuid4())}, headers=bearer(op["token"])), 404
    )
    assert_error(backoffice.post(path, json={"photographerId": "x"}, headers=bearer(op["token"])), 422)
    assert_error(backoffice.post(path, json=assign, headers=bearer(other_op["token"])), 404)
    detail = backoffice.get(f"/v1/projects/{project['id']}", headers=bearer(op["token"])).json()
    assert [p["id"] for p in detail["photographers"]] == [photographer["id"]]
    removal = f"{path}/{photographer['id']}"
    assert_error(backoffice.delete(removal, headers=bearer(other_op["token"])), 404)
    assert backoffice.delete(removal, headers=bearer(op["token"])).status_code == 204
    assert_error(backoffice.delete(removal, headers=bearer(op["token"])), 404)
    assert_error(backoffice.get(f"/v1/projects/{project['id']}", headers=bearer(photographer["token"])), 404)


def _discount(client: TestClient, token: str) -> dict[str, Any]:
    response = client.post(
        "/v1/discounts", json={"name": "Early", "type": "percentage", "value": 10}, headers=bearer(token)
    )
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def test_link_list_and_unlink_discounts(
    backoffice: TestClient, op: dict[str, Any], other_op: dict[str, Any]
) -> None:
    project = make_project(backoffice, op["token"])
    discount = _discount(backoffice, op["token"])
    foreign = _discount(backoffice, other_op["token"])
    path = f"/v1/projects/{project['id']}/discounts"
    assert (
        backoffice.post(path, json={"discountId": discount["id"]}, headers=bearer(op["token"])).status_code
        == 204
    )
    assert_error(backoffice.post(path, json={"discountId": foreign["id"]}, headers=bearer(op["token"])), 404)
    assert_error(backoffice.post(path, json={}, headers=bearer(op["token"])), 422)
    assert_error(
        backoffice.post(path, json={"discountId": foreign["id"]}, headers=bearer(other_op["token"])), 404
    )
    listed = backoffice.get(path, headers=bearer(op["token"]))
    assert listed.status_code == 200 and [d["id"] for d in listed.json()] == [discount["id"]]
    assert_error(backoffice.get(path, headers=bearer(other_op["token"])), 404)
    # A linked discount cannot be deleted.
    assert_error(backoffice.delete(f"/v1/discounts/{discount['id']}", headers=bearer(op["token"])), 409)
    assert_error(backoffice.delete(f"{path}/{discount['id']}", headers=bearer(other_op["token"])), 404)
    assert backoffice.delete(f"{path}/{discount['id']}", headers=bearer(op["token"])).status_code == 204
    assert_error(backoffice.delete(f"{path}/{discount['id']}", headers=bearer(op["token"])), 404)
    assert backoffice.get(path, headers=bearer(op["token"])).json() == []
    assert (
        backoffice.delete(f"/v1/discounts/{discount['id']}", headers=bearer(op["token"])).status_code == 204
    )


def test_delete_cascades_through_photos_and_members_but_keeps_purchases(
    backoffice: TestClient, op: dict[str, Any], photographer: dict[str, Any], build: Factory, db: Session
) -> None:
    project = make_project(backoffice, op["token"])
    backoffice.post(
        f"/v1/projects/{project['id']}/photographers",
        json={"photographerId": photographer["id"]},
        headers=bearer(op["token"]),
    )
    backoffice.post(
        f"/v1/projects/{project['id']}/invites/bulk",
        json={"emails": ["i@example.com"]},
        headers=bearer(op["token"]),
    )
    buyer = build.user()
    build.member(buyer, project["id"])
    photo = build.photo(project["id"], photographer=photographer["id"])
    build.tag(buyer, photo)
    purchase = build.purchase(project["id"], buyer)
    db.add(PurchaseDownload(purchase_id=purchase.id, photo_id=photo.id))
    db.commit()
    photo_id = photo.id
    assert backoffice.delete(f"/v1/projects/{project['id']}", headers=bearer(op["token"])).status_code == 204
    assert db.scalars(select(Photo.id).where(Photo.id == photo_id)).all() == []
    # What was bought survives: the purchase (its project NULL, its name kept) and its download right.
    db.expire_all()
    kept = db.get_one(Purchase, purchase.id)
    assert (kept.project_id, kept.project_name, kept.status) == (None, project["name"], "paid")
    assert db.scalars(
        select(PurchaseDownload.photo_id).where(PurchaseDownload.purchase_id == kept.id)
    ).all() == [photo_id]
    # The photographer is free again, and can now be deleted.
    assert (
        backoffice.delete(f"/v1/photographers/{photographer['id']}", headers=bearer(op["token"])).status_code
        == 204
    )

"""Photographers: their own projects; the operator's list, edits and deletions."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.backoffice.calls import make_project
from tests.support.http import assert_error, bearer


def _assign(client: TestClient, token: str, project_id: str, photographer_id: str) -> None:
    response = client.post(
        f"/v1/projects/{project_id}/photographers",
        json={"photographerId": photographer_id},
        headers=bearer(token),
    )
    assert response.status_code == 204, response.text


def test_photographer_sees_only_assigned_projects(
    backoffice: TestClient, op: dict[str, Any], photographer: dict[str, Any]
) -> None:
    assigned = make_project(backoffice, op["token"], name="Assigned")
    other = make_project(backoffice, op["token"], name="Other")
    _assign(backoffice, op["token"], assigned["id"], photographer["id"])
    mine = backoffice.get("/v1/photographers/me/projects", headers=bearer(photographer["token"]))
    assert mine.status_code == 200 and [p["id"] for p in mine.json()] == [assigned["id"]]
    one = backoffice.get(
        f"/v1/photographers/me/projects/{assigned['id']}", headers=bearer(photographer["token"])
    )
    assert one.status_code == 200 and one.json()["photographers"][0]["id"] == photographer["id"]
    assert_error(
        backoffice.get(f"/v1/photographers/me/projects/{other['id']}", headers=bearer(photographer["token"])),
        404,
    )
    assert_error(
        backoffice.get("/v1/photographers/me/projects/nope", headers=bearer(photographer["token"])), 422
    )
    # Operators are not photographers.
    assert_error(backoffice.get("/v1/photographers/me/projects", headers=bearer(op["token"])), 403)


def test_archived_projects_are_hidden_from_photographers(
    backoffice: TestClient, op: dict[str, Any], photographer: dict[str, Any]
) -> None:
    project = make_project(backoffice, op["token"], status="live")
    _assign(backoffice, op["token"], project["id"], photographer["id"])
    for status in ("closed", "archived"):
        response = backoffice.patch(
            f"/v1/projects/{project['id']}/status", json={"status": status}, headers=bearer(op["token"])
        )
        assert response.status_code == 200
    assert backoffice.get("/v1/photographers/me/projects", headers=bearer(photographer["token"])).json() == []
    assert_error(
        backoffice.get(
            f"/v1/photographers/me/projects/{project['id']}", headers=bearer(photographer["token"])
        ),
        404,
    )


def test_operator_lists_its_photographers_with_projects(
    backoffice: TestClient,
    op: dict[str, Any],
    other_op: dict[str, Any],
    photographer: dict[str, Any],
    make_photographer: Any,
) -> None:
    make_photographer(other_op)
    project = make_project(backoffice, op["token"], name="Gala")
    _assign(backoffice, op["token"], project["id"], photographer["id"])
    listed = backoffice.get("/v1/photographers", headers=bearer(op["token"]))
    assert listed.status_code == 200
    assert [(p["id"], p["projects"]) for p in listed.json()] == [
        (photographer["id"], [{"id": project["id"], "name": "Gala"}])
    ]


def test_patch_photographer(
    backoffice: TestClient, op: dict[str, Any], other_op: dict[str, Any], photographer: dict[str, Any]
) -> None:
    path = f"/v1/photographers/{photographer['id']}"
    response = backoffice.patch(
        path, json={"name": "Ana Renamed", "email": "Ana.New@Example.com"}, headers=bearer(op["token"])
    )
    assert response.status_code == 200, response.text
    assert (response.json()["name"], response.json()["email"]) == ("Ana Renamed", "ana.new@example.com")
    login = backoffice.post(
        "/v1/auth/login", json={"email": "ana.new@example.com", "password": "photo-pass-1"}
    )
    assert login.status_code == 200
    # Same email again is fine; an email of any other staff account is taken.
    assert (
        backoffice.patch(path, json={"email": "ana.new@example.com"}, headers=bearer(op["token"])).status_code
        == 200
    )
    assert_error(backoffice.patch(path, json={"email": other_op["email"]}, headers=bearer(op["token"])), 409)
    assert_error(backoffice.patch(path, json={"name": "X"}, headers=bearer(other_op["token"])), 404)


@pytest.mark.parametrize(
    "body", [{"name": ""}, {"name": None}, {"email": "bad"}, {"email": None}, {"role": "x"}]
)
def test_patch_photographer_rejects_bad_bodies(
    backoffice: TestClient, op: dict[str, Any], photographer: dict[str, Any], body: dict[str, Any]
) -> None:
    assert_error(
        backoffice.patch(f"/v1/photographers/{photographer['id']}", json=body, headers=bearer(op["token"])),
        422,
    )


def test_delete_photographer_only_when_unassigned(
    backoffice: TestClient, op: dict[str, Any], other_op: dict[str, Any], photographer: dict[str, Any]
) -> None:
    project = make_project(backoffice, op["token"])
    _assign(backoffice, op["token"], project["id"], photographer["id"])
    path = f"/v1/photographers/{photographer['id']}"
    assert_error(backoffice.delete(path, headers=bearer(op["token"])), 409, "photographer_assigned")
    backoffice.delete(
        f"/v1/projects/{project['id']}/photographers/{photographer['id']}", headers=bearer(op["token"])
    )
    assert_error(backoffice.delete(path, headers=bearer(other_op["token"])), 404)
    assert backoffice.delete(path, headers=bearer(op["token"])).status_code == 204
    assert backoffice.get("/v1/photographers", headers=bearer(op["token"])).json() == []
    assert_error(backoffice.delete("/v1/photographers/123", headers=bearer(op["token"])), 422)

"""Calls to the backoffice API shared by the backoffice tests."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.support.http import bearer


def make_project(client: TestClient, token: str, **body: Any) -> dict[str, Any]:
    response = client.post("/v1/projects", json={"name": "Summer Gala", **body}, headers=bearer(token))
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result

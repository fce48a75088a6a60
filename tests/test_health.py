"""Liveness, readiness (database, storage, broker) and the OpenAPI document of each app (`/metrics`
is tested under real traffic in tests/metrics)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.apps import backoffice, main, media
from api.health import endpoints as health

APPS: dict[str, Callable[[], FastAPI]] = {
    "backoffice": backoffice.create_app,
    "main": main.create_app,
    "media": media.create_app,
}


@pytest.mark.parametrize("name", APPS)
def test_healthz_readyz_and_openapi(infra: dict[str, str], name: str) -> None:
    client = TestClient(APPS[name]())
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready", "checks": {"database": "ok", "storage": "ok", "broker": "ok"}}
    spec = client.get("/openapi.json").json()
    operation_ids = [op["operationId"] for path in spec["paths"].values() for op in path.values()]
    assert len(operation_ids) == len(set(operation_ids))
    assert "readyz" in operation_ids
    assert "/metrics" not in spec["paths"]  # served (tests/metrics), not part of the API's contract


def test_readyz_reports_a_failing_dependency_as_503(
    infra: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def storage_down() -> None:
        raise ConnectionError("storage unreachable")

    monkeypatch.setitem(health.CHECKS, "storage", storage_down)
    response = TestClient(main.create_app()).get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["storage"] == "error: ConnectionError"
    assert response.json()["checks"]["database"] == "ok"


def test_unknown_route_and_method_are_json_errors(infra: dict[str, str]) -> None:
    client = TestClient(backoffice.create_app())
    missing = client.get("/v1/nothing-here")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    wrong_method = client.get("/v1/auth/login")
    assert wrong_method.status_code == 405 and wrong_method.json()["error"]["code"] == "method_not_allowed"

"""Security headers, CORS and the request body limit on every app."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from api.apps import backoffice, main, media


@pytest.fixture(params=[backoffice.create_app, main.create_app, media.create_app])
def client(request: pytest.FixtureRequest, infra: dict[str, str]) -> TestClient:
    return TestClient(request.param())


def test_security_headers_on_every_response(client: TestClient) -> None:
    for response in (client.get("/healthz"), client.get("/v1/not-a-route")):
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"
        assert "max-age" in response.headers["strict-transport-security"]


def test_cors_allows_the_web_app_only(client: TestClient) -> None:
    preflight = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization"}
    allowed = client.options("/healthz", headers={"Origin": "http://localhost:3000", **preflight})
    assert allowed.headers["access-control-allow-origin"] == "http://localhost:3000"
    denied = client.options("/healthz", headers={"Origin": "https://evil.example", **preflight})
    assert "access-control-allow-origin" not in denied.headers


def test_oversized_body_is_413_json(client: TestClient) -> None:
    response = client.post(
        "/v1/auth/login", content=b"x" * (1024 * 1024 + 1), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"

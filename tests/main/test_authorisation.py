"""Every authenticated main-API route: no token 401, backoffice token 401, wrong role 403."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.core.security import STAFF_AUDIENCES, issue_access_token
from tests.factories import Factory
from tests.support.http import bearer

_ID = str(uuid.uuid4())
ROUTES: list[tuple[str, str, Any]] = [
    ("POST", "/v1/consent/biometric", {"consentVersion": "v1"}),
    ("GET", "/v1/consent", None),
    ("DELETE", "/v1/consent/biometric", None),
    ("GET", f"/v1/projects/{_ID}/my-terms", None),
    ("POST", "/v1/qr/join", {"projectId": _ID, "termsAccepted": True}),
    ("GET", "/v1/photos", None),
    ("POST", f"/v1/photos/{_ID}/favourite", None),
    ("POST", f"/v1/photos/{_ID}/report", {"reportType": "missing_tag"}),
    ("GET", f"/v1/photos/{_ID}/download", None),
    ("POST", "/v1/purchases", {"projectId": _ID, "photoIds": [_ID]}),
    ("GET", "/v1/purchases", None),
    ("POST", f"/v1/photos/{_ID}/shares", {}),
    ("DELETE", f"/v1/photos/{_ID}/shares/{_ID}", None),
]


@pytest.mark.parametrize(("method", "path", "body"), ROUTES)
def test_route_authorisation(main_api: TestClient, build: Factory, method: str, path: str, body: Any) -> None:
    operator = build.operator()
    for headers in (
        {},
        {"Authorization": "Basic x"},
        bearer(issue_access_token(operator.id, "operator", STAFF_AUDIENCES, 0)),
    ):
        response = main_api.request(method, path, json=body, headers=headers)
        assert response.status_code == 401, (headers, response.text)
        assert response.json()["error"]["code"] == "unauthorized"
    wrong_role = issue_access_token(operator.id, "operator", ["main"], 0)
    response = main_api.request(method, path, json=body, headers=bearer(wrong_role))
    assert response.status_code == 403 and response.json()["error"]["code"] == "forbidden"


def test_openapi_lists_every_route_with_models(main_api: TestClient) -> None:
    spec = main_api.get("/openapi.json").json()
    operations = {op["operationId"] for path in spec["paths"].values() for op in path.values()}
    assert {
        "create_purchase",
        "stripe_webhook",
        "join_by_qr",
        "list_my_photos",
        "open_share_link",
    } <= operations

"""The backoffice OpenAPI document lists every spec route with typed request and response bodies."""

from __future__ import annotations

from typing import Any

import pytest

from api.apps.backoffice import create_app

SPEC_ROUTES = [
    ("post", "/v1/auth/register"),
    ("post", "/v1/auth/login"),
    ("post", "/v1/auth/register-photographer"),
    ("get", "/v1/projects"),
    ("post", "/v1/projects"),
    ("get", "/v1/projects/{id}"),
    ("patch", "/v1/projects/{id}"),
    ("patch", "/v1/projects/{id}/status"),
    ("post", "/v1/projects/{id}/photographers"),
    ("delete", "/v1/projects/{id}/photographers/{photographerId}"),
    ("get", "/v1/projects/{id}/discounts"),
    ("post", "/v1/projects/{id}/discounts"),
    ("delete", "/v1/projects/{id}/discounts/{discountId}"),
    ("get", "/v1/projects/{id}/invites"),
    ("post", "/v1/projects/{id}/invites/bulk"),
    ("delete", "/v1/projects/{id}"),
    ("get", "/v1/photographers/me/projects"),
    ("get", "/v1/photographers/me/projects/{id}"),
    ("get", "/v1/photographers"),
    ("patch", "/v1/photographers/{id}"),
    ("delete", "/v1/photographers/{id}"),
    ("get", "/v1/pricing/rules"),
    ("post", "/v1/pricing/rules"),
    ("patch", "/v1/pricing/rules/{id}"),
    ("delete", "/v1/pricing/rules/{id}"),
    ("get", "/v1/discounts"),
    ("post", "/v1/discounts"),
    ("patch", "/v1/discounts/{id}"),
    ("delete", "/v1/discounts/{id}"),
    ("get", "/v1/promo-codes"),
    ("post", "/v1/promo-codes"),
    ("patch", "/v1/promo-codes/{id}"),
    ("delete", "/v1/promo-codes/{id}"),
    ("get", "/v1/operators/me"),
    ("patch", "/v1/operators/me"),
    ("get", "/v1/analytics"),
    ("get", "/v1/purchases"),
    ("get", "/v1/purchases/{id}"),
]
WITH_BODY = {"post", "patch"}


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return create_app().openapi()


def _resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        resolved: dict[str, Any] = document["components"]["schemas"][name]
        return resolved
    return schema


def _assert_typed(document: dict[str, Any], schema: dict[str, Any], where: str) -> None:
    """A JSON body schema is an object with properties, or an array of such objects."""
    schema = _resolve(document, schema)
    assert schema, f"{where}: empty schema"
    if schema.get("type") == "array":
        _assert_typed(document, schema["items"], where)
        return
    assert schema.get("properties"), f"{where}: untyped object {schema}"
    assert "additionalProperties" not in schema or schema["additionalProperties"] is False, where


@pytest.mark.parametrize(("method", "path"), SPEC_ROUTES)
def test_spec_route_is_documented_with_schemas(document: dict[str, Any], method: str, path: str) -> None:
    operation = document["paths"][path][method]
    assert operation["operationId"]
    if method in WITH_BODY:
        body = operation["requestBody"]["content"]["application/json"]["schema"]
        _assert_typed(document, body, f"{method} {path} request")
    success = [code for code in operation["responses"] if code.startswith("2")]
    assert len(success) == 1, operation["responses"]
    response = operation["responses"][success[0]]
    if success[0] == "204":
        assert "content" not in response
    else:
        _assert_typed(
            document, response["content"]["application/json"]["schema"], f"{method} {path} response"
        )


def test_every_component_is_typed(document: dict[str, Any]) -> None:
    for name, schema in document["components"]["schemas"].items():
        if "enum" in schema:
            continue
        assert schema.get("properties"), f"{name} has no properties"
        for prop, spec in schema["properties"].items():
            assert spec, f"{name}.{prop} is untyped"


def test_operation_ids_are_unique(document: dict[str, Any]) -> None:
    ids = [op["operationId"] for item in document["paths"].values() for op in item.values()]
    assert len(ids) == len(set(ids))

"""Property-based fuzzing of the three OpenAPI documents with schemathesis, against the ASGI apps on
the real database: no 5xx, and every response conforms to the documented schema."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    unsupported_method,
)
from sqlalchemy.orm import Session

from api.apps import backoffice, main, media
from tests.routes import account_token, api_routes, requirement
from tests.support.apps import bind_db

APPS: dict[str, FastAPI] = {
    "backoffice": backoffice.create_app(),
    "main": main.create_app(),
    "media": media.create_app(),
}
SCHEMAS = {name: schemathesis.openapi.from_asgi("/openapi.json", app) for name, app in APPS.items()}
# No 5xx; documented response bodies and content types; undeclared methods refused.
# Not `positive_data_acceptance`: business rules legitimately refuse some schema-valid input (an
# unknown timezone, a duplicate email) with a documented 4xx. Not `negative_data_rejection`: it
# counts unknown query parameters as invalid, and HTTP APIs (FastAPI included) ignore those;
# invalid bodies are covered by the 422 tests of each domain.
CHECKS = [
    not_a_server_error,
    response_schema_conformance,
    content_type_conformance,
    unsupported_method,
]
FUZZ = settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)


def _fuzz(app_name: str) -> Callable[..., None]:
    app = APPS[app_name]
    routes = {(m, r.path): r for r in api_routes(app) for m in r.methods or ()}

    @SCHEMAS[app_name].parametrize()
    @FUZZ
    def test(case: schemathesis.Case, db: Session) -> None:
        bind_db(app, db)
        route = routes.get((case.method.upper(), case.operation.path))
        req = requirement(route.dependant) if route is not None else None
        headers = {"Authorization": f"Bearer {account_token(db, req)}"} if req else {}
        case.call_and_validate(headers=headers, checks=CHECKS)

    return test


test_backoffice_api = _fuzz("backoffice")
test_main_api = _fuzz("main")
test_media_api = _fuzz("media")


@pytest.fixture(autouse=True)
def _infra(infra: dict[str, str]) -> None:
    """The apps above talk to the session's real Postgres, S3 and Valkey."""

"""Shared fixtures: the real infrastructure (Postgres+pgvector, S3, Valkey, localstripe) started once
per test session as real processes, the schema built by Alembic, and each test run in a transaction
that is rolled back at the end."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session

SHARED_FACES = Path(__file__).resolve().parents[1].parent / "shared" / "faces"


def _clear_caches() -> None:
    from api.core import ratelimit, storage
    from api.core.db import get_engine, get_sessionmaker
    from api.settings import get_settings

    storage.reset_clients()
    for cached in (get_settings, get_engine, get_sessionmaker):
        cached.cache_clear()
    ratelimit.redis_client.cache_clear()
    from api.jobs.worker import celery_app

    # The Celery app reads its broker URL at import; point it at this session's broker.
    celery_app.conf.broker_url = celery_app.conf.result_backend = get_settings().broker_url


@pytest.fixture(scope="session")
def infra() -> Iterator[dict[str, str]]:
    """Postgres, S3 (moto server), Valkey and localstripe as real processes on free ports."""
    from api.stack.stack import Stack, StackConfig

    for key in ("DATABASE_URL", "S3_ENDPOINT", "BROKER_URL", "STRIPE_API_BASE", "VISION_URL"):
        os.environ.pop(f"WAIRO_{key}", None)
    os.environ["WAIRO_ENV"] = "test"
    # Not pytest's tmp_path: the Postgres server runs as another OS user when we are root, and
    # pytest's base temp dirs are private (0700) and pruned by concurrent sessions.
    data_dir = Path(tempfile.mkdtemp(prefix="wairo-test-stack-"))
    data_dir.chmod(0o755)
    config = StackConfig.infrastructure(data_dir)
    stack = Stack(config)
    stack.start()
    _clear_caches()
    yield stack.endpoints | {"data_dir": str(data_dir), "main_port": str(config.main_port)}
    stack.stop()
    _clear_caches()
    shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture(scope="session")
def engine(infra: dict[str, str]) -> Engine:
    from api.core.db import get_engine

    return get_engine()


@pytest.fixture
def connection(engine: Engine) -> Iterator[Connection]:
    with engine.connect() as conn:
        transaction = conn.begin()
        yield conn
        transaction.rollback()


@pytest.fixture
def db(connection: Connection) -> Iterator[Session]:
    """A session whose commits are savepoints inside the test's rolled-back transaction."""
    session = Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
    yield session
    session.close()


@pytest.fixture(autouse=True)
def _fresh_rate_limits(request: pytest.FixtureRequest) -> None:
    if "infra" in request.fixturenames:
        from api.core.ratelimit import redis_client

        redis_client().flushdb()


def _client_for(app: FastAPI, db: Session) -> TestClient:
    from api.deps import get_db

    def override() -> Iterator[Session]:
        try:
            yield db
            db.commit()
        except BaseException:
            db.rollback()
            raise

    app.dependency_overrides[get_db] = override
    return TestClient(app, raise_server_exceptions=False)


@pytest.fixture
def backoffice(db: Session) -> TestClient:
    from api.apps.backoffice import create_app

    return _client_for(create_app(), db)


@pytest.fixture
def main_api(db: Session) -> TestClient:
    from api.apps.main import create_app

    return _client_for(create_app(), db)


@pytest.fixture
def media(db: Session) -> TestClient:
    from api.apps.media import create_app

    return _client_for(create_app(), db)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


_counter = iter(range(1_000_000))


def unique_email(prefix: str = "person") -> str:
    return f"{prefix}-{next(_counter)}-{os.getpid()}@example.com"


@pytest.fixture
def make_operator(backoffice: TestClient) -> Callable[..., dict[str, Any]]:
    """Register an operator through the API: {"token", "id", "email"}."""
    import jwt

    def make(name: str = "Studio", **extra: Any) -> dict[str, Any]:
        email = unique_email("operator")
        body = {"name": name, "email": email, "password": "operator-pass", **extra}
        response = backoffice.post("/v1/auth/register", json=body)
        assert response.status_code == 201, response.text
        token = response.json()["token"]
        return {
            "token": token,
            "id": jwt.decode(token, options={"verify_signature": False})["sub"],
            "email": email,
        }

    return make


@pytest.fixture
def make_photographer(backoffice: TestClient) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """Register a photographer under an operator and log it in: {"token", "id", "email"}."""

    def make(operator: dict[str, Any]) -> dict[str, Any]:
        email = unique_email("photographer")
        body = {"name": "Ana Lens", "email": email, "password": "photo-pass-1"}
        created = backoffice.post(
            "/v1/auth/register-photographer", json=body, headers=bearer(operator["token"])
        )
        assert created.status_code == 201, created.text
        login = backoffice.post("/v1/auth/login", json={"email": email, "password": "photo-pass-1"})
        assert login.status_code == 200, login.text
        return {"token": login.json()["token"], "id": created.json()["id"], "email": email}

    return make


@pytest.fixture
def make_user(main_api: TestClient) -> Callable[..., dict[str, Any]]:
    """Register an end user through the main API: {"token", "id", "email"}."""
    import jwt

    def make(email: str | None = None) -> dict[str, Any]:
        email = email or unique_email("user")
        response = main_api.post(
            "/v1/auth/register", json={"name": "Guest", "email": email, "password": "guest-pass"}
        )
        assert response.status_code == 201, response.text
        token = response.json()["token"]
        return {
            "token": token,
            "id": jwt.decode(token, options={"verify_signature": False})["sub"],
            "email": email,
        }

    return make

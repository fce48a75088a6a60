"""Access tokens carry their account's version: a password reset refuses every token issued
before, and a deleted photographer's token dies with the account, without the principal
dependency loading any account row (api/core/token_versions.py). The live tests go through real
commits and the Valkey cache; the first one on the test's transaction (database only)."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from api.core.ratelimit import redis_client
from api.core.security import hash_token
from api.core.token_versions import CACHE_TTL_S
from api.models import EmailMessage, PasswordResetToken, User
from api.settings import get_settings
from tests.factories import Factory, token_for, unique_email
from tests.support.http import bearer


def _reset_link_token(session: Session, email: str) -> str:
    session.expire_all()
    body = session.scalars(
        select(EmailMessage.body)
        .where(EmailMessage.to_address == email)
        .order_by(EmailMessage.created_at.desc())
    ).first()
    assert body is not None
    link = next(w for w in body.split() if w.startswith(f"{get_settings().web_base_url}/reset-password"))
    return link.split("token=", 1)[1]


def _reset(client: TestClient, session: Session, email: str, password: str) -> None:
    assert client.post("/v1/auth/forgot-password", json={"email": email}).status_code == 200
    token = _reset_link_token(session, email)
    assert session.scalar(
        select(PasswordResetToken).where(PasswordResetToken.token_hash == hash_token(token))
    )
    answer = client.post("/v1/auth/reset-password", json={"token": token, "password": password})
    assert answer.status_code == 200, answer.text


def _register(client: TestClient) -> tuple[str, str]:
    email = unique_email("versions")
    body = {"name": "Vera", "email": email, "password": "first-pass-123"}
    answer = client.post("/v1/auth/register", json=body)
    assert answer.status_code == 201, answer.text
    return email, answer.json()["token"]


def _revoked(answer: Any) -> bool:
    return answer.status_code == 401 and answer.json()["error"]["code"] == "token_revoked"


def test_a_reset_refuses_older_tokens_on_every_api(
    main_api: TestClient, media: TestClient, db: Session
) -> None:
    email, old = _register(main_api)
    assert main_api.get("/v1/photos", headers=bearer(old)).status_code == 200
    _reset(main_api, db, email, "second-pass-123")

    assert _revoked(main_api.get("/v1/photos", headers=bearer(old)))  # loads no user row
    assert _revoked(main_api.get("/v1/consent", headers=bearer(old)))  # loads it
    assert _revoked(
        media.post("/v1/selfie/upload-url", json={"contentType": "image/jpeg"}, headers=bearer(old))
    )
    login = main_api.post("/v1/auth/login", json={"email": email, "password": "second-pass-123"})
    fresh = login.json()["token"]
    assert main_api.get("/v1/photos", headers=bearer(fresh)).status_code == 200
    assert db.scalar(select(User.token_version).where(User.email == email)) == 1


def test_a_reset_refuses_older_tokens_through_the_cache(live_main: TestClient, committed: Session) -> None:
    email, old = _register(live_main)
    user_id = committed.scalar(select(User.id).where(User.email == email))
    key = f"tokver:user:{user_id}"
    assert live_main.get("/v1/photos", headers=bearer(old)).status_code == 200
    assert redis_client().get(key) == b"0"  # cached by the check
    assert 0 < int(redis_client().ttl(key)) <= CACHE_TTL_S

    _reset(live_main, committed, email, "second-pass-123")
    assert redis_client().get(key) == b"1"  # written once the reset committed
    assert _revoked(live_main.get("/v1/photos", headers=bearer(old)))
    fresh = live_main.post("/v1/auth/login", json={"email": email, "password": "second-pass-123"})
    assert live_main.get("/v1/photos", headers=bearer(fresh.json()["token"])).status_code == 200


def test_the_database_is_the_source_when_the_cache_is_empty(
    live_main: TestClient, committed: Session
) -> None:
    """A version bumped while nothing was cached (or the entry expired) is read from the database."""
    email, old = _register(live_main)
    user_id = committed.scalar(select(User.id).where(User.email == email))
    committed.execute(update(User).where(User.id == user_id).values(token_version=User.token_version + 1))
    committed.commit()
    redis_client().delete(f"tokver:user:{user_id}")
    assert _revoked(live_main.get("/v1/photos", headers=bearer(old)))


def test_a_deleted_photographers_token_is_refused_at_once(
    live_backoffice: TestClient, live_media: TestClient, committed: Session
) -> None:
    build = Factory(committed)
    operator = build.operator()
    photographer = build.photographer(operator)
    token = token_for(photographer, "photographer")
    assert live_media.get(f"/v1/photos/{uuid.uuid4()}", headers=bearer(token)).status_code == 404  # cached
    assert redis_client().get(f"tokver:photographer:{photographer.id}") == b"0"
    deleted = live_backoffice.delete(
        f"/v1/photographers/{photographer.id}", headers=bearer(token_for(operator, "operator"))
    )
    assert deleted.status_code == 204, deleted.text
    refused = live_media.get(f"/v1/photos/{uuid.uuid4()}", headers=bearer(token))
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "unauthorized"

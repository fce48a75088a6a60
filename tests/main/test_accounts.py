"""Forgot / reset password."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlparse

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.auth.service import RESET_REQUESTS_PER_WINDOW
from api.core.security import hash_token
from api.models import EmailMessage, OutboxMessage, PasswordResetToken
from api.settings import get_settings
from tests.factories import unique_email


def _reset_tokens(db: Session, email: str) -> set[str]:
    """Every reset token mailed to the address (links parsed from the email bodies)."""
    tokens = set()
    for mail in db.scalars(select(EmailMessage).where(EmailMessage.to_address == email)):
        assert mail.template == "password_reset"
        link = next(word for word in mail.body.split() if word.startswith(get_settings().web_base_url))
        assert urlparse(link).path == "/reset-password"
        tokens.add(parse_qs(urlparse(link).query)["token"][0])
    return tokens


def _reset_token_from_mail(db: Session, email: str, known: frozenset[str] = frozenset()) -> str:
    (token,) = _reset_tokens(db, email) - known
    return token


def test_forgot_and_reset_password(main_api: TestClient, make_user: Any, db: Session) -> None:
    user = make_user()
    response = main_api.post("/v1/auth/forgot-password", json={"email": user["email"].upper()})
    assert response.status_code == 200 and response.json() == {}
    token = _reset_token_from_mail(db, user["email"])
    stored = db.scalar(select(PasswordResetToken).where(PasswordResetToken.token_hash == hash_token(token)))
    assert stored is not None and stored.used_at is None  # only the hash is stored
    assert timedelta(minutes=59) < stored.expires_at - datetime.now(UTC) <= timedelta(hours=1)
    assert db.scalar(
        select(OutboxMessage)
        .where(OutboxMessage.task == "send_email")
        .order_by(OutboxMessage.created_at.desc())
    )

    reset = main_api.post("/v1/auth/reset-password", json={"token": token, "password": "brand-new-pass"})
    assert reset.status_code == 200 and reset.json() == {}
    assert (
        main_api.post(
            "/v1/auth/login", json={"email": user["email"], "password": "brand-new-pass"}
        ).status_code
        == 200
    )
    assert (
        main_api.post("/v1/auth/login", json={"email": user["email"], "password": "guest-pass"}).status_code
        == 401
    )
    # Single use.
    again = main_api.post("/v1/auth/reset-password", json={"token": token, "password": "another-pass"})
    assert again.status_code == 400 and again.json()["error"]["code"] == "invalid_reset_token"


def test_unknown_email_is_200_and_sends_nothing(main_api: TestClient, db: Session) -> None:
    email = unique_email("nobody")
    response = main_api.post("/v1/auth/forgot-password", json={"email": email})
    assert response.status_code == 200 and response.json() == {}
    assert db.scalar(select(EmailMessage).where(EmailMessage.to_address == email)) is None


def test_forgot_password_is_silently_rate_limited(main_api: TestClient, make_user: Any, db: Session) -> None:
    user = make_user()
    for _ in range(RESET_REQUESTS_PER_WINDOW + 2):
        assert main_api.post("/v1/auth/forgot-password", json={"email": user["email"]}).status_code == 200
    mails = db.scalars(select(EmailMessage).where(EmailMessage.to_address == user["email"])).all()
    assert len(mails) == RESET_REQUESTS_PER_WINDOW


def test_reset_invalidates_the_users_other_tokens(main_api: TestClient, make_user: Any, db: Session) -> None:
    user = make_user()
    main_api.post("/v1/auth/forgot-password", json={"email": user["email"]})
    first = _reset_token_from_mail(db, user["email"])
    main_api.post("/v1/auth/forgot-password", json={"email": user["email"]})
    second = _reset_token_from_mail(db, user["email"], frozenset({first}))
    assert (
        main_api.post(
            "/v1/auth/reset-password", json={"token": second, "password": "new-pass-123"}
        ).status_code
        == 200
    )
    stale = main_api.post("/v1/auth/reset-password", json={"token": first, "password": "new-pass-456"})
    assert stale.status_code == 400


def test_expired_or_unknown_token_is_400(main_api: TestClient, make_user: Any, db: Session) -> None:
    user = make_user()
    main_api.post("/v1/auth/forgot-password", json={"email": user["email"]})
    token = _reset_token_from_mail(db, user["email"])
    row = db.scalar(select(PasswordResetToken).where(PasswordResetToken.token_hash == hash_token(token)))
    assert row is not None
    row.expires_at = datetime.now(UTC) - timedelta(seconds=1)
    db.commit()
    expired = main_api.post("/v1/auth/reset-password", json={"token": token, "password": "new-pass-123"})
    assert expired.status_code == 400 and expired.json()["error"]["code"] == "invalid_reset_token"
    unknown = main_api.post("/v1/auth/reset-password", json={"token": "nope", "password": "new-pass-123"})
    assert unknown.status_code == 400


def test_validation_errors_are_json_422(main_api: TestClient) -> None:
    for url, body in [
        ("/v1/auth/forgot-password", {"email": "not-an-email"}),
        ("/v1/auth/forgot-password", {}),
        ("/v1/auth/reset-password", {"token": "x", "password": "short"}),
        ("/v1/auth/reset-password", {"password": "long-enough-1"}),
    ]:
        response = main_api.post(url, json=body)
        assert response.status_code == 422, (url, body)
        assert response.json()["error"]["code"] == "validation_error"

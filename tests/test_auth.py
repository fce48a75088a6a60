"""Auth endpoints of the backoffice and main APIs, and the token rules of design.md."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest
from fastapi.testclient import TestClient

from api.core.security import issue_access_token
from api.settings import get_settings
from tests.factories import unique_email
from tests.support.http import assert_error, bearer


def _claims(token: str) -> dict[str, Any]:
    return jwt.decode(token, options={"verify_signature": False})


def _forge(**overrides: Any) -> str:
    now = datetime.now(UTC)
    claims = {
        "sub": str(uuid.uuid4()),
        "role": "operator",
        "aud": ["backoffice", "media"],
        "iat": now,
        "exp": now + timedelta(hours=1),
        "jti": "x",
    } | overrides
    return jwt.encode(claims, get_settings().jwt_secret, algorithm="HS256")


def test_operator_register_issues_backoffice_token(backoffice: TestClient) -> None:
    response = backoffice.post(
        "/v1/auth/register",
        json={
            "name": "Studio",
            "email": "Mixed.Case@Example.com",
            "password": "long-enough",
            "timezone": "Asia/Tokyo",
        },
    )
    assert response.status_code == 201
    claims = _claims(response.json()["token"])
    assert claims["role"] == "operator"
    assert claims["aud"] == ["backoffice", "media"]
    assert {"sub", "exp", "iat", "jti"} <= set(claims)
    login = backoffice.post(
        "/v1/auth/login", json={"email": "mixed.case@example.com", "password": "long-enough"}
    )
    assert login.status_code == 200
    assert _claims(login.json()["token"])["sub"] == claims["sub"]


def test_user_register_and_login_issue_main_and_media_audiences(main_api: TestClient) -> None:
    email = unique_email("user")
    reg = main_api.post("/v1/auth/register", json={"name": "Guest", "email": email, "password": "guest-pass"})
    assert reg.status_code == 201
    claims = _claims(reg.json()["token"])
    assert claims["role"] == "user" and claims["aud"] == ["main", "media"]
    login = main_api.post("/v1/auth/login", json={"email": email, "password": "guest-pass"})
    assert login.status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        {"name": "S", "email": "not-an-email", "password": "long-enough"},
        {"name": "S", "email": "a@example.com", "password": "short"},
        {"name": "", "email": "a@example.com", "password": "long-enough"},
        {"name": "S", "email": "a@example.com", "password": "long-enough", "timezone": "Mars/Olympus"},
        {"name": "S", "email": "a@example.com", "password": "long-enough", "role": "admin"},
        {"email": "a@example.com"},
    ],
)
def test_register_rejects_bad_bodies_with_json_422(backoffice: TestClient, body: dict[str, Any]) -> None:
    assert_error(backoffice.post("/v1/auth/register", json=body), 422, "validation_error")


def test_malformed_json_is_422_not_500(main_api: TestClient) -> None:
    response = main_api.post(
        "/v1/auth/login", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert_error(response, 422)


def test_duplicate_email_is_409(backoffice: TestClient, main_api: TestClient, make_operator: Any) -> None:
    operator = make_operator()
    dup = backoffice.post(
        "/v1/auth/register", json={"name": "Again", "email": operator["email"], "password": "long-enough"}
    )
    assert_error(dup, 409, "email_taken")
    # A photographer cannot take an operator's email either (backoffice login must stay unambiguous).
    clash = backoffice.post(
        "/v1/auth/register-photographer",
        json={"name": "P", "email": operator["email"], "password": "long-enough"},
        headers=bearer(operator["token"]),
    )
    assert_error(clash, 409)
    email = unique_email("user")
    body = {"name": "U", "email": email, "password": "long-enough"}
    assert main_api.post("/v1/auth/register", json=body).status_code == 201
    assert_error(main_api.post("/v1/auth/register", json=body | {"email": email.upper()}), 409)


def test_wrong_password_and_unknown_email_fail_alike(backoffice: TestClient, make_operator: Any) -> None:
    operator = make_operator()
    wrong = backoffice.post("/v1/auth/login", json={"email": operator["email"], "password": "nope-nope"})
    unknown = backoffice.post("/v1/auth/login", json={"email": unique_email("x"), "password": "nope-nope"})
    assert_error(wrong, 401, "invalid_credentials")
    assert_error(unknown, 401, "invalid_credentials")
    assert wrong.json()["error"]["message"] == unknown.json()["error"]["message"]


def test_repeated_login_failures_are_rate_limited(main_api: TestClient, make_user: Any) -> None:
    user = make_user()
    limit = get_settings().login_max_failures
    for _ in range(limit):
        assert (
            main_api.post(
                "/v1/auth/login", json={"email": user["email"], "password": "bad-pass!"}
            ).status_code
            == 401
        )
    # Even the right password is refused while the window lasts.
    blocked = main_api.post("/v1/auth/login", json={"email": user["email"], "password": "guest-pass"})
    assert_error(blocked, 429, "rate_limited")


def test_photographer_login_has_photographer_role(
    backoffice: TestClient, make_operator: Any, make_photographer: Any
) -> None:
    photographer = make_photographer(make_operator())
    assert _claims(photographer["token"])["role"] == "photographer"


class TestRegisterPhotographerAuthorisation:
    URL = "/v1/auth/register-photographer"

    def _body(self) -> dict[str, str]:
        return {"name": "P", "email": unique_email("p"), "password": "long-enough"}

    def test_missing_or_malformed_header_is_401(self, backoffice: TestClient) -> None:
        assert_error(backoffice.post(self.URL, json=self._body()), 401)
        assert_error(
            backoffice.post(self.URL, json=self._body(), headers={"Authorization": "Basic abc"}), 401
        )
        assert_error(backoffice.post(self.URL, json=self._body(), headers={"Authorization": "Bearer"}), 401)

    def test_wrong_audience_is_401(self, backoffice: TestClient, make_user: Any) -> None:
        user_token = make_user()["token"]  # audiences main + media
        assert_error(backoffice.post(self.URL, json=self._body(), headers=bearer(user_token)), 401)
        main_only = _forge(aud=["main"])
        assert_error(backoffice.post(self.URL, json=self._body(), headers=bearer(main_only)), 401)

    def test_wrong_role_is_403(
        self, backoffice: TestClient, make_operator: Any, make_photographer: Any
    ) -> None:
        photographer = make_photographer(make_operator())
        assert_error(backoffice.post(self.URL, json=self._body(), headers=bearer(photographer["token"])), 403)

    def test_expired_token_is_401(self, backoffice: TestClient, make_operator: Any) -> None:
        operator = make_operator()
        expired = _forge(sub=operator["id"], exp=datetime.now(UTC) - timedelta(seconds=5))
        assert_error(backoffice.post(self.URL, json=self._body(), headers=bearer(expired)), 401)

    def test_tampered_token_is_401(self, backoffice: TestClient, make_operator: Any) -> None:
        token = make_operator()["token"]
        head, payload, signature = token.split(".")
        tampered = f"{head}.{payload}.{signature[:-3]}AAA"
        assert_error(backoffice.post(self.URL, json=self._body(), headers=bearer(tampered)), 401)
        other_key = jwt.encode(_claims(token), "another-secret-of-sufficient-length", algorithm="HS256")
        assert_error(backoffice.post(self.URL, json=self._body(), headers=bearer(other_key)), 401)
        none_alg = jwt.encode(_claims(token), "", algorithm="none")
        assert_error(backoffice.post(self.URL, json=self._body(), headers=bearer(none_alg)), 401)

    def test_token_of_a_deleted_account_is_401(self, backoffice: TestClient) -> None:
        ghost = issue_access_token(uuid.uuid4(), "operator", ["backoffice", "media"], 0)
        assert_error(backoffice.post(self.URL, json=self._body(), headers=bearer(ghost)), 401)

    def test_unknown_role_is_401(self, backoffice: TestClient) -> None:
        assert_error(backoffice.post(self.URL, json=self._body(), headers=bearer(_forge(role="admin"))), 401)


def test_request_id_is_echoed_and_in_error_bodies(backoffice: TestClient) -> None:
    response = backoffice.post("/v1/auth/login", json={}, headers={"X-Request-ID": "abc-123"})
    assert response.headers["x-request-id"] == "abc-123"
    assert response.json()["requestId"] == "abc-123"
    generated = backoffice.get("/healthz")
    assert len(generated.headers["x-request-id"]) == 32


def test_nul_characters_are_rejected_not_stored(backoffice: TestClient) -> None:
    body = {"name": "Bad\x00Name", "email": unique_email("nul"), "password": "long-enough"}
    assert_error(backoffice.post("/v1/auth/register", json=body), 422, "validation_error")


def test_the_rate_limiter_fails_open_when_valkey_is_down(
    main_api: TestClient, make_user: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A broker outage must not turn logins (or upload URLs) into errors: nothing is counted, nothing
    is refused (tests/faults/test_broker.py asks for upload URLs during a real outage)."""
    import redis

    from api.core import ratelimit
    from wairo_dev.stack.processes import free_port

    user = make_user()
    dead = redis.Redis.from_url(f"redis://127.0.0.1:{free_port()}/0", socket_connect_timeout=1)
    monkeypatch.setattr(ratelimit, "redis_client", lambda: dead)
    assert ratelimit.hit("anything", 60) == 0 and ratelimit.count("anything") == 0
    ratelimit.reset("anything")
    for _ in range(get_settings().login_max_failures + 1):
        bad = main_api.post("/v1/auth/login", json={"email": user["email"], "password": "bad-pass!"})
        assert_error(bad, 401, "invalid_credentials")
    good = main_api.post("/v1/auth/login", json={"email": user["email"], "password": "guest-pass"})
    assert good.status_code == 200
    forgot = main_api.post("/v1/auth/forgot-password", json={"email": user["email"]})
    assert forgot.status_code < 300


def test_a_verified_token_is_still_refused_once_expired(monkeypatch: pytest.MonkeyPatch) -> None:
    """Verification is cached per token (api/core/security.py); the expiry is checked every time."""
    from api.core import security

    token = issue_access_token(uuid.uuid4(), "user", ["main"], 0)
    assert security.decode_access_token(token, "main").role == "user"  # verified and cached
    with pytest.raises(security.InvalidToken):  # the cache is per audience
        security.decode_access_token(token, "media")
    expires = jwt.decode(token, options={"verify_signature": False})["exp"]
    monkeypatch.setattr(security.time, "time", lambda: expires + 1.0)
    with pytest.raises(security.InvalidToken):
        security.decode_access_token(token, "main")


def test_a_cached_token_dies_with_the_signing_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    from api.core import security

    token = issue_access_token(uuid.uuid4(), "operator", ["backoffice"], 0)
    assert security.decode_access_token(token, "backoffice").role == "operator"
    monkeypatch.setattr(get_settings(), "jwt_secret", "another-secret-of-at-least-32-chars!!")
    with pytest.raises(security.InvalidToken):
        security.decode_access_token(token, "backoffice")

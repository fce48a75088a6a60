"""Account rules: unique emails across staff, uniform login failures, rate-limited guessing."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from sqlalchemy import exists, select, update
from sqlalchemy.orm import Session

from api.auth.schemas import Login, RegisterAccount, RegisterOperator
from api.core import ratelimit, token_versions
from api.core.errors import BadRequest, Conflict, TooManyRequests, Unauthorized
from api.core.links import reset_password_link
from api.core.security import (
    STAFF_AUDIENCES,
    USER_AUDIENCES,
    Role,
    hash_password,
    hash_token,
    issue_access_token,
    new_token,
    verify_password,
)
from api.jobs.outbox import queue_email
from api.models import Operator, PasswordResetToken, Photographer, User
from api.settings import get_settings

log = logging.getLogger("wairo.auth")
_BAD_CREDENTIALS = "The email or password is incorrect."
RESET_TOKEN_TTL = timedelta(hours=1)
# Reset emails per address per window; beyond it requests are silently dropped (still 200).
RESET_REQUESTS_PER_WINDOW = 3
RESET_REQUEST_WINDOW_S = 3600


def _staff_email_taken(session: Session, email: str) -> bool:
    return bool(
        session.scalar(select(exists().where(Operator.email == email)))
        or session.scalar(select(exists().where(Photographer.email == email)))
    )


def register_operator(session: Session, data: RegisterOperator) -> str:
    if _staff_email_taken(session, data.email):
        raise Conflict("An account with this email already exists.", code="email_taken")
    operator = Operator(name=data.name, email=data.email, password_hash=hash_password(data.password))
    if data.timezone:
        operator.timezone = data.timezone
    session.add(operator)
    session.flush()
    return issue_access_token(operator.id, "operator", STAFF_AUDIENCES, operator.token_version)


def register_photographer(session: Session, operator: Operator, data: RegisterAccount) -> Photographer:
    if _staff_email_taken(session, data.email):
        raise Conflict("An account with this email already exists.", code="email_taken")
    photographer = Photographer(
        operator_id=operator.id, name=data.name, email=data.email, password_hash=hash_password(data.password)
    )
    session.add(photographer)
    session.flush()
    return photographer


def register_user(session: Session, data: RegisterAccount) -> str:
    if session.scalar(select(exists().where(User.email == data.email))):
        raise Conflict("An account with this email already exists.", code="email_taken")
    user = User(name=data.name, email=data.email, password_hash=hash_password(data.password))
    session.add(user)
    session.flush()
    return issue_access_token(user.id, "user", USER_AUDIENCES, user.token_version)


class _LoginGuard:
    """Counts failed logins per (api, email); past the limit every attempt answers 429 for a while."""

    def __init__(self, api: str, email: str) -> None:
        self.key = f"login:{api}:{email}"
        self.settings = get_settings()

    def check(self) -> None:
        if ratelimit.count(self.key) >= self.settings.login_max_failures:
            raise TooManyRequests("Too many failed login attempts; try again later.")

    def failed(self) -> None:
        ratelimit.hit(self.key, self.settings.login_failure_window_s)

    def succeeded(self) -> None:
        ratelimit.reset(self.key)


def login_staff(session: Session, data: Login) -> str:
    guard = _LoginGuard("backoffice", data.email)
    guard.check()
    account: Operator | Photographer | None = session.scalar(
        select(Operator).where(Operator.email == data.email)
    ) or session.scalar(select(Photographer).where(Photographer.email == data.email))
    if not verify_password(account.password_hash if account else None, data.password) or account is None:
        guard.failed()
        raise Unauthorized(_BAD_CREDENTIALS, code="invalid_credentials")
    guard.succeeded()
    role: Role = "operator" if isinstance(account, Operator) else "photographer"
    return issue_access_token(account.id, role, STAFF_AUDIENCES, account.token_version)


def login_user(session: Session, data: Login) -> str:
    guard = _LoginGuard("main", data.email)
    guard.check()
    user = session.scalar(select(User).where(User.email == data.email))
    if not verify_password(user.password_hash if user else None, data.password) or user is None:
        guard.failed()
        raise Unauthorized(_BAD_CREDENTIALS, code="invalid_credentials")
    guard.succeeded()
    return issue_access_token(user.id, "user", USER_AUDIENCES, user.token_version)


def _reset_requests_exceeded(email: str) -> bool:
    return ratelimit.hit(f"forgot:{email}", RESET_REQUEST_WINDOW_S) > RESET_REQUESTS_PER_WINDOW


def request_password_reset(session: Session, email: str) -> None:
    """Mail a single-use, one-hour reset link when the user exists; silent in every other case."""
    if _reset_requests_exceeded(email):
        return
    user = session.scalar(select(User).where(User.email == email))
    if user is None:
        return
    token = new_token()
    session.add(
        PasswordResetToken(
            user_id=user.id, token_hash=hash_token(token), expires_at=datetime.now(UTC) + RESET_TOKEN_TTL
        )
    )
    link = reset_password_link(token)
    body = (
        f"Hello {user.name},\n\nReset your Wairo password with this link (valid for one hour):\n{link}\n\n"
        "If you did not ask for this, ignore this email."
    )
    queue_email(session, user.email, "Reset your Wairo password", body, "password_reset")


def reset_password(session: Session, token: str, password: str) -> None:
    """Use a reset token once; every other reset token and every access token of the user dies with it."""
    row = session.scalar(
        select(PasswordResetToken).where(PasswordResetToken.token_hash == hash_token(token)).with_for_update()
    )
    now = datetime.now(UTC)
    if row is None or row.used_at is not None or row.expires_at <= now:
        raise BadRequest("The reset link is invalid, expired or already used.", code="invalid_reset_token")
    user = session.get_one(User, row.user_id)
    user.password_hash = hash_password(password)
    token_versions.bump(session, "user", user.id)  # every access token issued before is refused
    session.execute(
        update(PasswordResetToken)
        .where(PasswordResetToken.user_id == user.id, PasswordResetToken.used_at.is_(None))
        .values(used_at=now)
    )

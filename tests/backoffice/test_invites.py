"""Project invites: bulk invite with deduplication, the join-link email, registration statuses."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from api.core.security import hash_token
from api.models import EmailMessage, Invite
from api.settings import get_settings
from tests.backoffice.calls import make_project
from tests.factories import Factory
from tests.support.http import assert_error, bearer


def _invite(client: TestClient, token: str, project_id: str, emails: list[str]) -> Any:
    return client.post(
        f"/v1/projects/{project_id}/invites/bulk", json={"emails": emails}, headers=bearer(token)
    )


def _expire(db: Session, project_id: str, email: str) -> None:
    past = datetime.now(UTC) - timedelta(days=1)
    db.execute(
        update(Invite)
        .where(Invite.project_id == uuid.UUID(project_id), Invite.email == email)
        .values(created_at=past - timedelta(days=14), expires_at=past)
    )


def test_bulk_invite_queues_emails_with_join_links(
    backoffice: TestClient, op: dict[str, Any], db: Session
) -> None:
    project = make_project(backoffice, op["token"], name="Gala")
    response = _invite(
        backoffice, op["token"], project["id"], ["Alice@Example.com", "bob@example.com", "alice@example.com"]
    )
    assert response.status_code == 202
    assert response.json() == {"queued": 2, "skipped": 1}
    mail = db.scalars(select(EmailMessage).where(EmailMessage.to_address == "alice@example.com")).one()
    base = get_settings().web_base_url
    # The join page, as the QR code has it, with the invite's one-time token.
    match = re.search(rf"{re.escape(base)}/e/{project['id']}\?invite=([A-Za-z0-9_-]+)", mail.body)
    assert match, mail.body
    invite = db.scalars(select(Invite).where(Invite.email == "alice@example.com")).one()
    assert invite.token_hash == hash_token(match.group(1))  # stored hashed, never in clear
    assert match.group(1) not in invite.token_hash


def test_members_and_live_invites_are_skipped_expired_ones_reinvited(
    backoffice: TestClient, op: dict[str, Any], build: Factory, db: Session
) -> None:
    project = make_project(backoffice, op["token"])
    member = build.user(email="member@example.com")
    build.member(member, project["id"])
    first = _invite(backoffice, op["token"], project["id"], ["member@example.com", "carol@example.com"])
    assert first.json() == {"queued": 1, "skipped": 1}
    again = _invite(backoffice, op["token"], project["id"], ["carol@example.com"])
    assert again.json() == {"queued": 0, "skipped": 1}
    _expire(db, project["id"], "carol@example.com")
    renewed = _invite(backoffice, op["token"], project["id"], ["carol@example.com"])
    assert renewed.json() == {"queued": 1, "skipped": 0}
    assert len(db.scalars(select(Invite).where(Invite.email == "carol@example.com")).all()) == 2


def test_invite_list_computes_registration_status_newest_first(
    backoffice: TestClient, op: dict[str, Any], build: Factory, db: Session
) -> None:
    project = make_project(backoffice, op["token"])
    for email in (
        "expired@example.com",
        "joined@example.com",
        "registered@example.com",
        "pending@example.com",
    ):
        assert _invite(backoffice, op["token"], project["id"], [email]).status_code == 202
    _expire(db, project["id"], "expired@example.com")
    build.user(email="registered@example.com")
    build.member(build.user(email="joined@example.com"), project["id"])
    response = backoffice.get(f"/v1/projects/{project['id']}/invites", headers=bearer(op["token"]))
    assert response.status_code == 200
    items = response.json()
    statuses = {i["email"]: i["registrationStatus"] for i in items}
    assert statuses == {
        "expired@example.com": "expired",
        "joined@example.com": "joined",
        "registered@example.com": "registered",
        "pending@example.com": "pending",
    }
    created = [i["createdAt"] for i in items]
    assert created == sorted(created, reverse=True)
    assert items[-1]["email"] == "expired@example.com"
    assert set(items[0]) == {"id", "email", "registrationStatus", "createdAt", "expiresAt"}


def test_invite_list_pages_with_a_cursor(backoffice: TestClient, op: dict[str, Any]) -> None:
    project = make_project(backoffice, op["token"])
    _invite(backoffice, op["token"], project["id"], [f"p{i}@example.com" for i in range(3)])
    path = f"/v1/projects/{project['id']}/invites"
    first = backoffice.get(path, params={"limit": 2}, headers=bearer(op["token"]))
    assert len(first.json()) == 2 and first.headers["X-Next-Cursor"]
    second = backoffice.get(
        path, params={"limit": 2, "cursor": first.headers["X-Next-Cursor"]}, headers=bearer(op["token"])
    )
    assert len(second.json()) == 1 and "X-Next-Cursor" not in second.headers
    emails = {i["email"] for i in first.json() + second.json()}
    assert emails == {"p0@example.com", "p1@example.com", "p2@example.com"}
    assert_error(backoffice.get(path, params={"cursor": "garbage!"}, headers=bearer(op["token"])), 400)
    assert_error(backoffice.get(path, params={"limit": 0}, headers=bearer(op["token"])), 422)


@pytest.mark.parametrize(
    "emails",
    [[], ["not-an-email"], [f"u{i}@example.com" for i in range(501)], "a@example.com", [None]],
)
def test_bulk_invite_rejects_bad_bodies(
    backoffice: TestClient, op: dict[str, Any], emails: Any, db: Session
) -> None:
    project = make_project(backoffice, op["token"])
    assert_error(_invite(backoffice, op["token"], project["id"], emails), 422)
    assert db.scalars(select(Invite).where(Invite.project_id == uuid.UUID(project["id"]))).all() == []


def test_bulk_invite_accepts_500(backoffice: TestClient, op: dict[str, Any]) -> None:
    project = make_project(backoffice, op["token"])
    response = _invite(backoffice, op["token"], project["id"], [f"u{i}@example.com" for i in range(500)])
    assert response.json() == {"queued": 500, "skipped": 0}


def test_invites_of_another_operator_are_404(
    backoffice: TestClient, op: dict[str, Any], other_op: dict[str, Any]
) -> None:
    project = make_project(backoffice, op["token"])
    assert_error(_invite(backoffice, other_op["token"], project["id"], ["x@example.com"]), 404)
    assert_error(
        backoffice.get(f"/v1/projects/{project['id']}/invites", headers=bearer(other_op["token"])), 404
    )

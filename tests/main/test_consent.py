"""Biometric consent: give, list, revoke with its cascade, and the matching guard."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.consent.service import has_active_consent
from api.models import OutboxMessage, PhotoTag, Selfie
from tests.factories import Factory
from tests.support.http import bearer

URL = "/v1/consent/biometric"


def test_give_list_and_revoke_with_cascade(main_api: TestClient, build: Factory, db: Session) -> None:
    me, other = build.attendee(), build.attendee()
    project = build.project()
    photos = [build.photo(project) for _ in range(3)]
    given = main_api.post(URL, json={"consentVersion": "2024-01"}, headers=bearer(me.token))
    assert given.status_code == 201, given.text
    body = given.json()
    assert body["consentVersion"] == "2024-01" and body["revokedAt"] is None and body["consentType"]
    assert has_active_consent(db, me.id)
    main_api.post(URL, json={"consentVersion": "2024-01"}, headers=bearer(other.token))

    build.selfie(
        me, object_key=f"selfies/{me.id}/s.jpg", upload_expires_at=datetime.now(UTC) + timedelta(minutes=5)
    )
    auto, confirmed = build.tag(me, photos[0]), build.tag(me, photos[1], source="confirmed")
    others_tag = build.tag(other, photos[2])

    assert main_api.delete(URL, headers=bearer(me.token)).status_code == 204
    assert db.scalar(select(Selfie).where(Selfie.user_id == me.id)) is None
    for tag in (auto, confirmed, others_tag):
        db.refresh(tag)
    assert auto.deleted_at is not None
    assert confirmed.deleted_at is None and others_tag.deleted_at is None
    assert not has_active_consent(db, me.id) and has_active_consent(db, other.id)
    jobs = db.scalars(
        select(OutboxMessage.payload).where(
            OutboxMessage.task == "delete_objects",
            OutboxMessage.payload["keys"][0].astext.like(f"selfies/{me.id}/%"),
        )
    ).all()
    assert jobs == [{"keys": [f"selfies/{me.id}/s.jpg"]}]

    # A revoked consent stays listed; a new consent is a new row.
    assert main_api.delete(URL, headers=bearer(me.token)).status_code == 404
    again = main_api.post(URL, json={"consentVersion": "2024-02"}, headers=bearer(me.token))
    assert again.status_code == 201 and again.json()["id"] != body["id"]
    rows = main_api.get("/v1/consent", headers=bearer(me.token)).json()
    assert [r["consentVersion"] for r in rows] == ["2024-02", "2024-01"]
    assert rows[1]["revokedAt"] is not None and rows[0]["revokedAt"] is None
    assert db.scalar(select(PhotoTag).where(PhotoTag.id == auto.id, PhotoTag.deleted_at.is_(None))) is None


def test_second_live_consent_is_409(main_api: TestClient, build: Factory) -> None:
    me = build.attendee()
    assert main_api.post(URL, json={"consentVersion": "v1"}, headers=bearer(me.token)).status_code == 201
    dup = main_api.post(URL, json={"consentVersion": "v2"}, headers=bearer(me.token))
    assert dup.status_code == 409 and dup.json()["error"]["code"] == "consent_exists"


def test_revoke_without_consent_is_404_and_lists_only_own_rows(main_api: TestClient, build: Factory) -> None:
    me, other = build.attendee(), build.attendee()
    main_api.post(URL, json={"consentVersion": "v1"}, headers=bearer(other.token))
    assert main_api.delete(URL, headers=bearer(me.token)).status_code == 404
    assert main_api.get("/v1/consent", headers=bearer(me.token)).json() == []
    # The other user's consent is untouched by my revocation attempt.
    assert len(main_api.get("/v1/consent", headers=bearer(other.token)).json()) == 1


def test_consent_validation(main_api: TestClient, build: Factory) -> None:
    me = build.attendee()
    for body in (
        {},
        {"consentVersion": ""},
        {"consentVersion": "x" * 65},
        {"consentVersion": "v", "extra": 1},
    ):
        response = main_api.post(URL, json=body, headers=bearer(me.token))
        assert response.status_code == 422 and response.json()["error"]["code"] == "validation_error"


def test_current_consent_text_is_public_and_its_version_is_what_gets_recorded(
    main_api: TestClient, build: Factory
) -> None:
    current = main_api.get("/v1/consent/biometric/current")
    assert current.status_code == 200
    body = current.json()
    assert set(body) == {"version", "text"} and "revoke" in body["text"].lower()
    me = build.attendee()
    given = main_api.post(URL, json={"consentVersion": body["version"]}, headers=bearer(me.token))
    assert given.status_code == 201 and given.json()["consentVersion"] == body["version"]

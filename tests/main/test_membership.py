"""Public project info, terms, my-terms and QR join."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.models import OutboxMessage, ProjectMember, TermsVersion
from api.settings import get_settings
from tests.factories import Factory, token_for
from tests.support.http import bearer

JOIN = "/v1/qr/join"


def _matching_job(db: Session, project_id: uuid.UUID) -> OutboxMessage | None:
    """The project's matching job (live tests, e.g. tests/clients, leave committed ones of theirs)."""
    return db.scalar(
        select(OutboxMessage).where(
            OutboxMessage.task == "cluster_faces",
            OutboxMessage.payload["projectId"].astext == str(project_id),
        )
    )


@pytest.mark.parametrize("status", ["live", "closed"])
def test_public_info_of_visible_projects(main_api: TestClient, build: Factory, status: str) -> None:
    project = build.project(status=status)
    response = main_api.get(f"/v1/projects/{project.id}/public")
    assert response.status_code == 200
    assert response.json() == {"id": str(project.id), "name": "Summer Gala"}


@pytest.mark.parametrize("status", ["draft", "archived"])
def test_public_info_hides_draft_and_archived(main_api: TestClient, build: Factory, status: str) -> None:
    project = build.project(status=status)
    assert main_api.get(f"/v1/projects/{project.id}/public").status_code == 404
    assert main_api.get(f"/v1/projects/{uuid.uuid4()}/public").status_code == 404
    assert main_api.get("/v1/projects/not-a-uuid/public").status_code == 422


def test_join_snapshots_terms_and_issues_qr_token(main_api: TestClient, build: Factory, db: Session) -> None:
    project = build.project()
    me = build.attendee()
    assert main_api.get(f"/v1/projects/{project.id}/terms").status_code == 404  # nobody joined yet
    joined = main_api.post(
        JOIN, json={"projectId": str(project.id), "termsAccepted": True}, headers=bearer(me.token)
    )
    assert joined.status_code == 201, joined.text
    body = joined.json()
    claims = jwt.decode(body["qrToken"], get_settings().jwt_secret, algorithms=["HS256"], audience="qr")
    assert claims["sub"] == body["projectMemberId"] and claims["pid"] == str(project.id)
    assert datetime.fromisoformat(body["expiresAt"]) > datetime.now(UTC)

    terms = main_api.get(f"/v1/projects/{project.id}/terms")
    assert terms.status_code == 200
    assert terms.json()["version"] == "1" and terms.json()["content"] == "Be kind to the photographers."
    mine = main_api.get(f"/v1/projects/{project.id}/my-terms", headers=bearer(me.token)).json()
    assert mine["version"] == "1" and mine["projectName"] == "Summer Gala" and mine["acceptedAt"] is not None

    # The operator changes the text: the next member accepts version 2, the first keeps version 1.
    project.terms_and_conditions = "New rules."
    db.commit()
    other = build.attendee()
    main_api.post(
        JOIN, json={"projectId": str(project.id), "termsAccepted": True}, headers=bearer(other.token)
    )
    assert main_api.get(f"/v1/projects/{project.id}/terms").json()["version"] == "2"
    assert (
        main_api.get(f"/v1/projects/{project.id}/my-terms", headers=bearer(other.token)).json()["version"]
        == "2"
    )
    assert (
        main_api.get(f"/v1/projects/{project.id}/my-terms", headers=bearer(me.token)).json()["version"] == "1"
    )
    assert _matching_job(db, project.id) is None  # no selfie


def test_my_terms_fallback_for_members_without_terms_version(
    main_api: TestClient, build: Factory, db: Session
) -> None:
    project = build.project()
    me = build.attendee()
    build.member(me, project)  # joined "before termsVersionId existed"
    assert main_api.get(f"/v1/projects/{project.id}/my-terms", headers=bearer(me.token)).status_code == 404
    db.add(TermsVersion(project_id=project.id, version=1, content="Current"))
    db.commit()
    mine = main_api.get(f"/v1/projects/{project.id}/my-terms", headers=bearer(me.token)).json()
    assert mine["content"] == "Current" and mine["acceptedAt"] is None


def test_my_terms_of_a_non_member_is_404(main_api: TestClient, build: Factory) -> None:
    project = build.project()
    member, stranger = build.attendee(), build.attendee()
    main_api.post(
        JOIN, json={"projectId": str(project.id), "termsAccepted": True}, headers=bearer(member.token)
    )
    response = main_api.get(f"/v1/projects/{project.id}/my-terms", headers=bearer(stranger.token))
    assert response.status_code == 404


def test_second_join_is_409(main_api: TestClient, build: Factory) -> None:
    project, me = build.project(), build.attendee()
    body = {"projectId": str(project.id), "termsAccepted": True}
    assert main_api.post(JOIN, json=body, headers=bearer(me.token)).status_code == 201
    again = main_api.post(JOIN, json=body, headers=bearer(me.token))
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_member"


@pytest.mark.parametrize(("status", "expected"), [("draft", 404), ("archived", 404), ("closed", 409)])
def test_join_only_live_projects(main_api: TestClient, build: Factory, status: str, expected: int) -> None:
    project, me = build.project(status=status), build.attendee()
    response = main_api.post(
        JOIN, json={"projectId": str(project.id), "termsAccepted": True}, headers=bearer(me.token)
    )
    assert response.status_code == expected
    unknown = main_api.post(
        JOIN, json={"projectId": str(uuid.uuid4()), "termsAccepted": True}, headers=bearer(me.token)
    )
    assert unknown.status_code == 404


def test_private_project_requires_a_live_invite(main_api: TestClient, build: Factory) -> None:
    project = build.project(type="private")
    invited, expired, stranger = build.attendee(), build.attendee(), build.attendee()
    now = datetime.now(UTC)
    build.invite(project, invited.user.email, token="a")
    build.invite(
        project,
        expired.user.email,
        token="b",
        created_at=now - timedelta(days=20),
        expires_at=now - timedelta(days=1),
    )
    body = {"projectId": str(project.id), "termsAccepted": True}
    assert main_api.post(JOIN, json=body, headers=bearer(invited.token)).status_code == 201
    for user in (expired, stranger):
        response = main_api.post(JOIN, json=body, headers=bearer(user.token))
        assert response.status_code == 403 and response.json()["error"]["code"] == "invite_required"


def test_join_with_approved_selfie_enqueues_matching(
    main_api: TestClient, build: Factory, db: Session
) -> None:
    project, me = build.project(), build.attendee()
    build.selfie(me, object_key=f"selfies/{me.id}/x.jpg", upload_expires_at=datetime.now(UTC))
    main_api.post(JOIN, json={"projectId": str(project.id), "termsAccepted": True}, headers=bearer(me.token))
    job = _matching_job(db, project.id)
    assert job is not None and job.payload == {"userId": str(me.id), "projectId": str(project.id)}


@pytest.mark.parametrize(
    "body",
    [
        {"termsAccepted": True},
        {"projectId": "nope", "termsAccepted": True},
        {"projectId": str(uuid.uuid4()), "termsAccepted": False},
        {"projectId": str(uuid.uuid4())},
        {"projectId": str(uuid.uuid4()), "termsAccepted": True, "role": "admin"},
    ],
)
def test_join_validation(main_api: TestClient, build: Factory, body: dict[str, object], db: Session) -> None:
    me = build.attendee()
    response = main_api.post(JOIN, json=body, headers=bearer(me.token))
    assert response.status_code == 422 and response.json()["error"]["code"] == "validation_error"
    assert db.scalar(select(ProjectMember).where(ProjectMember.user_id == me.id)) is None


def test_join_records_the_terms_version_read_or_refuses_a_stale_one(
    main_api: TestClient, backoffice: TestClient, build: Factory, db: Session
) -> None:
    """The join page sends the version it showed: joined on it, or 409 `terms_changed` with the
    current version and nothing written when the operator changed the text meanwhile."""
    operator = build.operator()
    project = build.project(operator)
    first = build.attendee()
    body = {"projectId": str(project.id), "termsAccepted": True}
    assert main_api.post(JOIN, json=body, headers=bearer(first.token)).status_code == 201  # stores v1
    read = main_api.get(f"/v1/projects/{project.id}/terms").json()["version"]
    assert read == "1"

    edit = {"termsAndConditions": "Photos may be used in the venue's newsletter."}
    operator_token = token_for(operator, "operator")
    assert backoffice.patch(
        f"/v1/projects/{project.id}", json=edit, headers=bearer(operator_token)
    ).is_success
    me = build.attendee()
    stale = main_api.post(JOIN, json=body | {"termsVersion": read}, headers=bearer(me.token))
    assert stale.status_code == 409, stale.text
    error = stale.json()["error"]
    assert error["code"] == "terms_changed" and error["details"] == {"termsVersion": "2"}
    db.expire_all()
    assert (
        db.scalar(select(func.count()).select_from(ProjectMember).where(ProjectMember.user_id == me.id)) == 0
    )

    shown = main_api.get(f"/v1/projects/{project.id}/terms").json()
    assert shown["version"] == "2" and shown["content"].startswith("Photos may be used")
    joined = main_api.post(JOIN, json=body | {"termsVersion": "2"}, headers=bearer(me.token))
    assert joined.status_code == 201, joined.text
    mine = main_api.get(f"/v1/projects/{project.id}/my-terms", headers=bearer(me.token)).json()
    assert mine["version"] == "2"
    for bad in ("0", "v2", "", 2):
        refused = main_api.post(
            JOIN, json=body | {"termsVersion": bad}, headers=bearer(build.attendee().token)
        )
        assert refused.status_code == 422, (bad, refused.text)

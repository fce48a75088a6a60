"""Membership rules.

- Public info, terms and joins follow the lifecycle (api.projects.lifecycle): public info for the
  projects participants see (`live`, `closed`), joins for `live` ones only; unknown and hidden
  projects are 404, a `closed` one refuses joins with 409 `project_closed`. A private
  project needs a live invite for the caller's email (403 `invite_required`). A second join is
  409 `already_member` (the unique (user, project) constraint decides, safe under concurrency).
- Terms: each join points the member at a snapshot of the project's current terms text; a new
  `TermsVersion` is stored when the text changed since the latest snapshot.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import exists, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from api.core.errors import Conflict, Forbidden, NotFound
from api.core.security import issue_qr_token
from api.jobs.outbox import enqueue_job
from api.models import Invite, Project, ProjectMember, Selfie, TermsVersion, User
from api.projects.lifecycle import require_participant


def visible_project(session: Session, project_id: uuid.UUID) -> Project:
    return require_participant(session.get(Project, project_id), "see")


def member_of(session: Session, user_id: uuid.UUID, project_id: uuid.UUID) -> ProjectMember | None:
    return session.scalar(
        select(ProjectMember).where(ProjectMember.user_id == user_id, ProjectMember.project_id == project_id)
    )


def is_member(session: Session, user_id: uuid.UUID, project_id: uuid.UUID) -> bool:
    return bool(
        session.scalar(
            select(exists().where(ProjectMember.user_id == user_id, ProjectMember.project_id == project_id))
        )
    )


def require_member(session: Session, user_id: uuid.UUID, project_id: uuid.UUID) -> None:
    """The spec's 403 for a caller who is not a member of the project."""
    if not is_member(session, user_id, project_id):
        raise Forbidden("You are not a member of this project.", code="not_a_member")


def latest_terms(session: Session, project_id: uuid.UUID) -> TermsVersion | None:
    return session.scalar(
        select(TermsVersion)
        .where(TermsVersion.project_id == project_id)
        .order_by(TermsVersion.version.desc())
        .limit(1)
    )


def current_terms(session: Session, project_id: uuid.UUID) -> TermsVersion:
    terms = latest_terms(session, project_id)
    if terms is None:
        raise NotFound("No terms have been stored for this project yet.", code="no_terms")
    return terms


@dataclass(frozen=True)
class MyTerms:
    terms: TermsVersion
    accepted_at: datetime | None
    project_name: str


def my_terms(session: Session, user_id: uuid.UUID, project_id: uuid.UUID) -> MyTerms:
    member = member_of(session, user_id, project_id)
    if member is None:
        raise NotFound("You are not a member of this project.", code="not_a_member")
    project = session.get_one(Project, project_id)
    if member.terms_version_id is not None:
        accepted = session.get_one(TermsVersion, member.terms_version_id)
        return MyTerms(accepted, member.joined_at, project.name)
    return MyTerms(current_terms(session, project_id), None, project.name)


def _snapshot_terms(session: Session, project: Project) -> TermsVersion | None:
    """The terms version matching the project's current text, stored if new."""
    latest = latest_terms(session, project.id)
    text = project.terms_and_conditions
    if text is None or (latest is not None and latest.content == text):
        return latest
    version = (latest.version if latest else 0) + 1
    session.execute(
        insert(TermsVersion)
        .values(project_id=project.id, version=version, content=text)
        .on_conflict_do_nothing(index_elements=["project_id", "version"])
    )
    return session.scalar(
        select(TermsVersion).where(TermsVersion.project_id == project.id, TermsVersion.version == version)
    )


def _has_live_invite(session: Session, project_id: uuid.UUID, email: str) -> bool:
    return bool(
        session.scalar(
            select(
                exists().where(
                    Invite.project_id == project_id, Invite.email == email, Invite.expires_at > func.now()
                )
            )
        )
    )


@dataclass(frozen=True)
class Joined:
    member_id: uuid.UUID
    qr_token: str
    expires_at: datetime


def join_project(
    session: Session, user: User, project_id: uuid.UUID, terms_read: str | None = None
) -> Joined:
    """`terms_read`: the terms version the caller was shown (`GET /v1/projects/{id}/terms`); when
    given and no longer current, 409 `terms_changed` (with the current version) and nothing is
    written, so the version recorded is the one read."""
    project = require_participant(session.get(Project, project_id), "join")
    if project.type == "private" and not _has_live_invite(session, project.id, user.email):
        raise Forbidden("This private project requires an invitation.", code="invite_required")
    terms = _snapshot_terms(session, project)
    current = None if terms is None else str(terms.version)  # what `GET .../terms` shows
    if terms_read is not None and terms_read != current:
        raise Conflict(
            "The event's terms changed since you read them; read them again.",
            code="terms_changed",
            details={"termsVersion": current},
        )
    member_id = uuid.uuid4()
    token, jti, expires_at = issue_qr_token(member_id, project.id)
    inserted = session.scalar(
        insert(ProjectMember)
        .values(
            id=member_id,
            project_id=project.id,
            user_id=user.id,
            terms_version_id=terms.id if terms else None,
            qr_token_jti=jti,
            qr_token_expires_at=expires_at,
            joined_at=datetime.now(UTC),
        )
        .on_conflict_do_nothing(index_elements=["user_id", "project_id"])
        .returning(ProjectMember.id)
    )
    if inserted is None:
        raise Conflict("You are already a member of this project.", code="already_member")
    has_selfie = session.scalar(
        select(exists().where(Selfie.user_id == user.id, Selfie.status == "approved"))
    )
    if has_selfie:
        enqueue_job(
            session,
            "cluster_faces",
            {"userId": str(user.id), "projectId": str(project.id)},
            dedup_key=f"cluster_faces:{user.id}:{project.id}:{member_id}",
        )
    return Joined(member_id, token, expires_at)

"""Project rules: tenancy, lifecycle, terms versions, photographers, discount links, invites."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, case, delete, exists, func, insert, literal, select, tuple_
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from api.core.errors import Conflict, NotFound, Unprocessable
from api.core.links import join_link
from api.core.pagination import decode_cursor, page_of
from api.core.schemas import check_window
from api.core.security import hash_token, new_token
from api.core.storage import default_bucket
from api.deps import Staff
from api.jobs.outbox import enqueue_job, queue_email
from api.media.retention import queue_object_deletion, retain_bought
from api.models import (
    Discount,
    Invite,
    Operator,
    Photo,
    Photographer,
    Project,
    ProjectDiscount,
    ProjectMember,
    ProjectPhotographer,
    TermsVersion,
    User,
)
from api.projects.lifecycle import photographer_sees
from api.projects.schemas import (
    BulkInvite,
    BulkInviteResult,
    InviteOut,
    ProjectCreate,
    ProjectDetail,
    ProjectPhotographerOut,
    ProjectSummary,
    ProjectUpdate,
)
from api.provisioning import Provisioner
from wairo_contracts.keys import project_photos_prefix

# The documented lifecycle; every other move is a conflict.
TRANSITIONS: frozenset[tuple[str, str]] = frozenset(
    {("draft", "live"), ("live", "draft"), ("live", "closed"), ("closed", "archived")}
)


# --- lookups (tenancy) ---------------------------------------------------------------------------


def get_owned(session: Session, operator: Operator, project_id: uuid.UUID, *, lock: bool = False) -> Project:
    """The operator's own project; another operator's (or an unknown) project is a 404."""
    stmt = select(Project).where(Project.id == project_id, Project.operator_id == operator.id)
    project = session.scalar(stmt.with_for_update() if lock else stmt)
    if project is None:
        raise NotFound("Project not found.")
    return project


def _assigned(photographer_id: uuid.UUID) -> Any:
    return exists().where(
        ProjectPhotographer.project_id == Project.id, ProjectPhotographer.photographer_id == photographer_id
    )


def get_assigned(session: Session, photographer: Photographer, project_id: uuid.UUID) -> Project:
    """An assigned project the photographer sees (api.projects.lifecycle: archived ones are hidden)."""
    project = session.scalar(
        select(Project).where(Project.id == project_id, _assigned(photographer.id), photographer_sees())
    )
    if project is None:
        raise NotFound("Project not found.")
    return project


def get_for_staff(session: Session, staff: Staff, project_id: uuid.UUID) -> Project:
    if isinstance(staff, Operator):
        return get_owned(session, staff, project_id)
    return get_assigned(session, staff, project_id)


def list_for_operator(session: Session, operator: Operator) -> list[ProjectSummary]:
    rows = session.scalars(
        select(Project).where(Project.operator_id == operator.id).order_by(Project.created_at.desc())
    )
    return [ProjectSummary.model_validate(p) for p in rows]


def list_for_photographer(session: Session, photographer: Photographer) -> list[ProjectSummary]:
    """Assigned projects the photographer sees (api.projects.lifecycle: archived ones are hidden)."""
    rows = session.scalars(
        select(Project)
        .where(_assigned(photographer.id), photographer_sees())
        .order_by(Project.created_at.desc())
    )
    return [ProjectSummary.model_validate(p) for p in rows]


def detail(session: Session, project: Project) -> ProjectDetail:
    photographers = session.scalars(
        select(Photographer)
        .join(ProjectPhotographer, ProjectPhotographer.photographer_id == Photographer.id)
        .where(ProjectPhotographer.project_id == project.id)
        .order_by(Photographer.name, Photographer.id)
    )
    version = session.scalar(
        select(func.max(TermsVersion.version)).where(TermsVersion.project_id == project.id)
    )
    summary = ProjectSummary.model_validate(project).model_dump()
    return ProjectDetail(
        **summary,
        terms_and_conditions=project.terms_and_conditions,
        terms_version=version if project.terms_and_conditions is not None else None,
        photographers=[ProjectPhotographerOut.model_validate(p) for p in photographers],
    )


# --- create, update, lifecycle, delete -----------------------------------------------------------


def _record_terms(session: Session, project: Project) -> None:
    """Store the project's current terms as the next version (members keep the one they accepted)."""
    assert project.terms_and_conditions is not None
    next_version = (
        select(func.coalesce(func.max(TermsVersion.version), 0) + 1)
        .where(TermsVersion.project_id == project.id)
        .scalar_subquery()
    )
    session.execute(
        insert(TermsVersion).values(
            project_id=project.id, version=next_version, content=project.terms_and_conditions
        )
    )


def create(session: Session, operator: Operator, data: ProjectCreate, provisioner: Provisioner) -> Project:
    values = data.model_dump()
    values["project_link"] = str(data.project_link) if data.project_link else None
    project = Project(operator_id=operator.id, provisioning_phase="Pending", **values)
    session.add(project)
    session.flush()
    if project.terms_and_conditions is not None:
        _record_terms(session, project)
    provisioner.project_created(project)
    session.flush()
    session.refresh(project)
    return project


def update(session: Session, project: Project, data: ProjectUpdate) -> Project:
    changes = data.changes()
    if "project_link" in changes and data.project_link is not None:
        changes["project_link"] = str(data.project_link)
    start = changes.get("start_at", project.start_at)
    end = changes.get("end_at", project.end_at)
    try:
        check_window(start, end, strict=False, what="endAt")
    except ValueError as exc:
        raise Unprocessable(str(exc), code="validation_error") from exc
    terms_changed = "terms_and_conditions" in changes and changes["terms_and_conditions"] != (
        project.terms_and_conditions
    )
    for field, value in changes.items():
        setattr(project, field, value)
    session.flush()
    if terms_changed and project.terms_and_conditions is not None:
        _record_terms(session, project)
    session.refresh(project)
    return project


def change_status(session: Session, project: Project, status: str, provisioner: Provisioner) -> Project:
    if (project.status, status) not in TRANSITIONS:
        raise Conflict(
            f"A project cannot go from {project.status} to {status}.",
            code="invalid_transition",
            details={"from": project.status, "to": status},
        )
    project.status = status
    provisioner.status_changed(project)
    session.flush()
    session.refresh(project)
    return project


def delete_project(session: Session, project: Project, provisioner: Provisioner) -> None:
    """Retain the bought photos' watermarked objects in the platform bucket (before the project's
    own bucket may go, see api/media/retention.py), delete the rows (cascades; purchases stay, their
    project becoming NULL) and, after commit, the project's objects in storage."""
    bucket = project.bucket or default_bucket()  # a bucket override; the platform bucket otherwise
    retain_bought(session, bucket, Photo.project_id == project.id)
    provisioner.project_deleted(project)
    session.delete(project)
    session.flush()
    queue_object_deletion(
        session,
        bucket,
        prefixes=[project_photos_prefix(project.id)],
        dedup_key=f"delete_objects:project:{project.id}",
    )


# --- photographers -------------------------------------------------------------------------------


def assign_photographer(session: Session, project: Project, photographer_id: uuid.UUID) -> None:
    belongs = exists().where(
        Photographer.id == photographer_id, Photographer.operator_id == project.operator_id
    )
    if not session.scalar(select(belongs)):
        raise NotFound("Photographer not found.")
    session.execute(
        pg_insert(ProjectPhotographer)
        .values(project_id=project.id, photographer_id=photographer_id)
        .on_conflict_do_nothing()
    )


def remove_photographer(session: Session, project: Project, photographer_id: uuid.UUID) -> None:
    removed = session.execute(
        delete(ProjectPhotographer)
        .where(
            ProjectPhotographer.project_id == project.id,
            ProjectPhotographer.photographer_id == photographer_id,
        )
        .returning(ProjectPhotographer.photographer_id)
    ).first()
    if removed is None:
        raise NotFound("This photographer is not assigned to the project.")


# --- discounts -----------------------------------------------------------------------------------


def linked_discounts(session: Session, project: Project) -> list[Discount]:
    return list(
        session.scalars(
            select(Discount)
            .join(ProjectDiscount, ProjectDiscount.discount_id == Discount.id)
            .where(ProjectDiscount.project_id == project.id)
            .order_by(Discount.created_at, Discount.id)
        )
    )


def link_discount(session: Session, project: Project, discount_id: uuid.UUID) -> None:
    owned = exists().where(Discount.id == discount_id, Discount.operator_id == project.operator_id)
    if not session.scalar(select(owned)):
        raise NotFound("Discount not found.")
    session.execute(
        pg_insert(ProjectDiscount)
        .values(project_id=project.id, discount_id=discount_id)
        .on_conflict_do_nothing()
    )


def unlink_discount(session: Session, project: Project, discount_id: uuid.UUID) -> None:
    removed = session.execute(
        delete(ProjectDiscount)
        .where(ProjectDiscount.project_id == project.id, ProjectDiscount.discount_id == discount_id)
        .returning(ProjectDiscount.discount_id)
    ).first()
    if removed is None:
        raise NotFound("This discount is not linked to the project.")


# --- invites -------------------------------------------------------------------------------------


def _registration_status() -> Any:
    joined = exists().where(
        ProjectMember.project_id == Invite.project_id,
        ProjectMember.user_id == User.id,
        User.email == Invite.email,
    )
    registered = exists().where(User.email == Invite.email)
    return case(
        (joined, literal("joined")),
        (registered, literal("registered")),
        (Invite.expires_at <= func.now(), literal("expired")),
        else_=literal("pending"),
    )


def list_invites(
    session: Session, project: Project, limit: int, cursor: str | None
) -> tuple[list[InviteOut], str | None]:
    """Newest first, keyset-paged on (createdAt, id); returns the page and the next cursor."""
    stmt = (
        select(Invite, _registration_status().label("registration_status"))
        .where(Invite.project_id == project.id)
        .order_by(Invite.created_at.desc(), Invite.id.desc())
        .limit(limit + 1)
    )
    if cursor:
        after = decode_cursor(cursor, datetime.fromisoformat, uuid.UUID)
        stmt = stmt.where(tuple_(Invite.created_at, Invite.id) < tuple_(*after))
    rows, next_cursor = page_of(
        session.execute(stmt).all(), limit, lambda row: (row[0].created_at, row[0].id)
    )
    return [
        InviteOut(
            id=invite.id,
            email=invite.email,
            registration_status=status,
            created_at=invite.created_at,
            expires_at=invite.expires_at,
        )
        for invite, status in rows
    ], next_cursor


def bulk_invite(session: Session, project: Project, data: BulkInvite) -> BulkInviteResult:
    """Invite each new email once: members and holders of an unexpired invite are skipped."""
    emails = list(dict.fromkeys(data.emails))
    taken = set(
        session.scalars(
            select(Invite.email).where(
                Invite.project_id == project.id,
                Invite.email.in_(emails),
                Invite.expires_at > func.now(),
            )
        )
    ) | set(
        session.scalars(
            select(User.email)
            .join(
                ProjectMember, and_(ProjectMember.user_id == User.id, ProjectMember.project_id == project.id)
            )
            .where(User.email.in_(emails))
        )
    )
    fresh = [email for email in emails if email not in taken]
    for email in fresh:
        token = new_token()
        session.add(Invite(project_id=project.id, email=email, token_hash=hash_token(token)))
        link = join_link(project.id, token)
        queue_email(
            session,
            to=email,
            subject=f"You're invited to {project.name}",
            body=f"You have been invited to find your photos from {project.name}.\n\nJoin here: {link}\n",
            template="project_invite",
        )
    session.flush()
    return BulkInviteResult(queued=len(fresh), skipped=len(data.emails) - len(fresh))


def queue_rematch(session: Session, project: Project) -> None:
    """Queue a re-match of every member against every face of the project (after a model or
    threshold change). Repeated triggers within a minute collapse into one job."""
    minute = int(datetime.now(UTC).timestamp() // 60)
    enqueue_job(
        session, "rematch_project", {"projectId": str(project.id)}, dedup_key=f"rematch:{project.id}:{minute}"
    )

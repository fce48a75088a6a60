"""The operator's photographers: listing with assignments, profile changes, deletion."""

from __future__ import annotations

import uuid
from collections import defaultdict

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import Session

from api.core import token_versions
from api.core.errors import Conflict, NotFound
from api.models import Operator, Photographer, Project, ProjectPhotographer
from api.photographers.schemas import PhotographerOut, PhotographerUpdate, ProjectRef


def _get(session: Session, operator: Operator, photographer_id: uuid.UUID) -> Photographer:
    photographer = session.scalar(
        select(Photographer)
        .where(Photographer.id == photographer_id, Photographer.operator_id == operator.id)
        .with_for_update()
    )
    if photographer is None:
        raise NotFound("Photographer not found.")
    return photographer


def _out(session: Session, photographers: list[Photographer]) -> list[PhotographerOut]:
    assignments = session.execute(
        select(ProjectPhotographer.photographer_id, Project.id, Project.name)
        .join(Project, Project.id == ProjectPhotographer.project_id)
        .where(ProjectPhotographer.photographer_id.in_([p.id for p in photographers]))
        .order_by(Project.name, Project.id)
    ).all()
    projects: dict[uuid.UUID, list[ProjectRef]] = defaultdict(list)
    for photographer_id, project_id, name in assignments:
        projects[photographer_id].append(ProjectRef(id=project_id, name=name))
    return [
        PhotographerOut(id=p.id, name=p.name, email=p.email, created_at=p.created_at, projects=projects[p.id])
        for p in photographers
    ]


def list_photographers(session: Session, operator: Operator) -> list[PhotographerOut]:
    photographers = session.scalars(
        select(Photographer)
        .where(Photographer.operator_id == operator.id)
        .order_by(Photographer.name, Photographer.id)
    ).all()
    return _out(session, list(photographers))


def update(
    session: Session, operator: Operator, photographer_id: uuid.UUID, data: PhotographerUpdate
) -> PhotographerOut:
    photographer = _get(session, operator, photographer_id)
    if data.email is not None and data.email != photographer.email:
        taken = exists().where(Operator.email == data.email)
        taken_by_staff = exists().where(Photographer.email == data.email, Photographer.id != photographer.id)
        if session.scalar(select(or_(taken, taken_by_staff))):
            raise Conflict("An account with this email already exists.", code="email_taken")
    for field, value in data.changes().items():
        setattr(photographer, field, value)
    session.flush()
    return _out(session, [photographer])[0]


def delete(session: Session, operator: Operator, photographer_id: uuid.UUID) -> None:
    photographer = _get(session, operator, photographer_id)
    if session.scalar(select(exists().where(ProjectPhotographer.photographer_id == photographer.id))):
        raise Conflict(
            "The photographer is assigned to a project; remove the assignments first.",
            code="photographer_assigned",
        )
    session.delete(photographer)
    session.flush()
    token_versions.forget(session, "photographer", photographer.id)

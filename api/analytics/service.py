"""The operator's KPIs, all computed in SQL over the projects (and photographers) in scope.

Purchases are scoped by the operator who sold them (`purchases.operator_id`), not by a join on
projects: a deleted project's purchases keep counting (their project is null, their name kept) until
the scope is narrowed to given projects or photographers."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Select, and_, desc, distinct, exists, func, null, or_, select, union_all
from sqlalchemy.orm import Session

from api.analytics.schemas import Analytics, ConversionFunnel, Kpis, PhotographerPhotos, ProjectRevenue
from api.core.errors import Unprocessable
from api.models import (
    Invite,
    Operator,
    Photo,
    Photographer,
    PhotoTag,
    Project,
    ProjectMember,
    ProjectPhotographer,
    Purchase,
)

_NOT_UPLOADED = ("pending_upload", "expired")


def parse_ids(raw: str | None, name: str) -> list[uuid.UUID] | None:
    """A comma-separated list of UUIDs (None when absent); anything malformed is a 422."""
    if raw is None:
        return None
    try:
        return [uuid.UUID(part.strip()) for part in raw.split(",") if part.strip()]
    except ValueError as exc:
        raise Unprocessable(f"{name} must be comma-separated UUIDs.", code="validation_error") from exc


def _project_scope(
    operator: Operator, project_ids: list[uuid.UUID] | None, photographer_ids: list[uuid.UUID] | None
) -> Select[uuid.UUID]:
    stmt = select(Project.id).where(Project.operator_id == operator.id)
    if project_ids is not None:
        stmt = stmt.where(Project.id.in_(project_ids))
    if photographer_ids is not None:
        stmt = stmt.where(
            or_(
                exists().where(
                    ProjectPhotographer.project_id == Project.id,
                    ProjectPhotographer.photographer_id.in_(photographer_ids),
                ),
                exists().where(Photo.project_id == Project.id, Photo.photographer_id.in_(photographer_ids)),
            )
        )
    return stmt


def _paid_purchases(operator: Operator, projects: Any, narrowed: bool) -> Any:
    """Paid purchases the operator sold, in the projects in scope when the scope is narrowed."""
    paid = and_(Purchase.operator_id == operator.id, Purchase.status == "paid")
    return and_(paid, Purchase.project_id.in_(projects)) if narrowed else paid


def _revenue_by_project(session: Session, operator: Operator, projects: Any, narrowed: bool) -> list[Any]:
    """Each project in scope with its paid purchases; without a narrowed scope, the purchases of
    deleted projects too, under the name they were made in (and a null id)."""
    count, revenue = func.count(Purchase.id), func.coalesce(func.sum(Purchase.total_cents), 0)
    live = (
        select(Project.id.label("id"), Project.name.label("name"), count.label("n"), revenue.label("revenue"))
        .outerjoin(Purchase, and_(Purchase.project_id == Project.id, Purchase.status == "paid"))
        .where(Project.id.in_(projects))
        .group_by(Project.id)
    )
    union: Any = live
    if not narrowed:
        gone = (
            select(null().label("id"), Purchase.project_name, count, revenue)
            .where(_paid_purchases(operator, projects, narrowed), Purchase.project_id.is_(None))
            .group_by(Purchase.project_name)
        )
        union = union_all(live, gone)
    rows = union.subquery()
    return list(
        session.execute(
            select(rows).order_by(desc(rows.c.revenue), rows.c.name, rows.c.id.nulls_last())
        ).all()
    )


def compute(
    session: Session,
    operator: Operator,
    project_ids: list[uuid.UUID] | None,
    photographer_ids: list[uuid.UUID] | None,
) -> Analytics:
    projects = _project_scope(operator, project_ids, photographer_ids).scalar_subquery()
    narrowed = project_ids is not None or photographer_ids is not None
    photo_filter: list[Any] = [Photo.project_id.in_(projects), Photo.status.not_in(_NOT_UPLOADED)]
    if photographer_ids is not None:
        photo_filter.append(Photo.photographer_id.in_(photographer_ids))
    photos = select(Photo.id).where(*photo_filter).scalar_subquery()
    paid = _paid_purchases(operator, projects, narrowed)

    def scalar(column: Any, *where: Any) -> Any:
        return select(column).where(*where).scalar_subquery()

    row = session.execute(
        select(
            scalar(func.count(), ProjectMember.project_id.in_(projects)),
            scalar(func.coalesce(func.sum(Purchase.total_cents), 0), paid),
            scalar(func.count(), Photo.id.in_(photos)),
            scalar(
                func.count(distinct(PhotoTag.user_id)),
                PhotoTag.photo_id.in_(photos),
                PhotoTag.deleted_at.is_(None),
            ),
            scalar(func.count(), paid),
            scalar(func.count(distinct(Invite.email)), Invite.project_id.in_(projects)),
            scalar(func.count(distinct(ProjectMember.user_id)), ProjectMember.project_id.in_(projects)),
            scalar(func.count(distinct(Purchase.user_id)), paid),
        )
    ).one()
    members, revenue, uploaded, tagged, purchases, invited, enrolled, purchased = (int(v) for v in row)

    photo_count = func.count(Photo.id)
    by_photographer = session.execute(
        select(Photographer.id, Photographer.name, photo_count)
        .outerjoin(Photo, and_(Photo.photographer_id == Photographer.id, Photo.id.in_(photos)))
        .where(
            Photographer.operator_id == operator.id,
            *([Photographer.id.in_(photographer_ids)] if photographer_ids is not None else []),
        )
        .group_by(Photographer.id)
        .order_by(desc(photo_count), Photographer.name, Photographer.id)
    ).all()

    by_project = _revenue_by_project(session, operator, projects, narrowed)

    return Analytics(
        kpis=Kpis(
            members_enrolled=members,
            revenue_in_cents=revenue,
            photos_uploaded=uploaded,
            users_tagged=tagged,
            purchases_made=purchases,
        ),
        photos_by_photographer=[
            PhotographerPhotos(photographer_id=pid, name=name, photo_count=count)
            for pid, name, count in by_photographer
        ],
        revenue_by_project=[
            ProjectRevenue(
                project_id=pid, project_name=name, purchases_made=count, revenue_in_cents=int(total)
            )
            for pid, name, count, total in by_project
        ],
        conversion_funnel=ConversionFunnel(
            invited=invited, enrolled=enrolled, tagged=tagged, purchased=purchased
        ),
    )

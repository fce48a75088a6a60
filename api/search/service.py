"""Photo search for staff (their projects, every listed status) and for members (their projects'
ready photos, with the same flags as `GET /v1/photos`), newest first, one statement per page."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy import and_, literal, select, tuple_
from sqlalchemy.orm import Session

from api.core.errors import BadRequest
from api.core.pagination import decode_cursor, page_of
from api.gallery.listing import PHOTO_COLUMNS, summary_of
from api.gallery.schemas import PhotoSummary
from api.gallery.service import favourited, paid_purchase_includes, tagged_in
from api.media import service as media
from api.media.access import assigned_to
from api.media.schemas import PhotoListItem
from api.models import Operator, Photo, Photographer, Project, ProjectMember, photo_sort_at
from api.models.photos import photo_shown
from api.projects.lifecycle import participant_may, photographer_sees
from api.search import query as q
from api.search.conditions import Caller, conditions

_summaries = TypeAdapter(list[PhotoSummary])


def _terms(text: str, qualifiers: frozenset[str]) -> list[q.Term]:
    try:
        return q.parse(text, qualifiers)
    except q.SearchSyntaxError as exc:
        raise BadRequest(exc.message, code="invalid_query", details={"position": exc.position}) from None


def staff_search(
    session: Session, staff: Operator | Photographer, text: str, limit: int, cursor: str | None
) -> tuple[list[PhotoListItem], str | None]:
    """The photos of the caller's projects (an operator's own, a photographer's assigned ones they
    see) that meet every term, in the media API's list order."""
    if isinstance(staff, Operator):
        where: list[Any] = [Project.operator_id == staff.id]
        caller = Caller()
    else:
        where = [assigned_to(staff.id), photographer_sees()]
        caller = Caller(photographer_id=staff.id)
    where += conditions(_terms(text, q.STAFF_QUALIFIERS), caller)
    return media.list_photos(session, where, limit, cursor)


def member_search(
    session: Session, user_id: uuid.UUID, text: str, limit: int, cursor: str | None
) -> tuple[list[PhotoSummary], str | None]:
    """The ready photos of the member's projects that meet every term, newest first."""
    terms = conditions(_terms(text, q.MEMBER_QUALIFIERS), Caller(user_id=user_id))
    stmt = (
        select(
            *PHOTO_COLUMNS,
            Project.bucket,
            tagged_in(user_id, Photo.id).label("tagged"),
            photo_sort_at.label("sort_at"),
            paid_purchase_includes(user_id, Photo.id).label("has_purchase"),
            favourited(user_id, Photo.id).label("is_favourite"),
        )
        .join(Project, Project.id == Photo.project_id)
        .join(
            ProjectMember,
            and_(ProjectMember.project_id == Photo.project_id, ProjectMember.user_id == user_id),
        )
        .where(Photo.status == "ready", photo_shown, participant_may("see"), *terms)
        .order_by(photo_sort_at.desc(), Photo.id.desc())
        .limit(limit + 1)
    )
    if cursor:
        after_at, after_id = decode_cursor(cursor, datetime.fromisoformat, uuid.UUID)
        stmt = stmt.where(tuple_(photo_sort_at, Photo.id) < tuple_(literal(after_at), literal(after_id)))
    page, next_cursor = page_of(session.execute(stmt).all(), limit, lambda row: (row.sort_at, row.id))
    return _summaries.validate_python([summary_of(tuple(row)) for row in page]), next_cursor

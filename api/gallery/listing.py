"""`GET /v1/photos`: the ready photos of the member's projects, tagged first, then newest first
(never one the staff hid: `photo_shown`, a filter on the rows each index range reads).

The list is two parts, each read by its own keyset so that a page costs the same whatever the
event's size:

1. the photos the user is tagged in (from the user's live tags: a few hundred at most), newest first;
2. the other ready photos of each project the user is a member of and sees, newest first: one
   range of `ix_photos_ready_sort` per project (a LATERAL subquery), the tagged ones skipped.

The cursor is the last row's `(tagged, sortAt, id)`: after a row of part 1 the next page reads the
rest of part 1, then part 2 from its start; after a row of part 2, only the rest of part 2. Each of
the three shapes is its own statement, compiled once, so every plan keeps its index conditions.
The purchase and favourite flags are computed for the page's rows only, in the same round trip.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any, TypeVarTuple

from pydantic_core import to_json
from sqlalchemy import (
    CompoundSelect,
    DateTime,
    Integer,
    Select,
    Uuid,
    and_,
    bindparam,
    literal,
    select,
    true,
    tuple_,
    union_all,
)

from api.core.pagination import decode_cursor, page_of
from api.core.reads import Query, Reader, Row, compile_query
from api.core.shared_urls import shared_get_url
from api.gallery.service import favourited, paid_purchase_includes, tagged_in
from api.models import Photo, PhotoTag, Project, ProjectMember, photo_sort_at
from api.models.photos import photo_shown
from api.projects.lifecycle import participant_may
from wairo_contracts.keys import LIST_THUMBNAIL

_user = bindparam("user_id", type_=Uuid, required=False)
_limit = bindparam("limit", type_=Integer, required=False)
_after_at = bindparam("after_at", type_=DateTime(timezone=True), required=False)
_after_id = bindparam("after_id", type_=Uuid, required=False)
Ts = TypeVarTuple("Ts")
AnySelect = Select[*tuple[Any, ...]]
PHOTO_COLUMNS = (
    Photo.id,
    Photo.project_id,
    Photo.taken_at,
    Photo.width,
    Photo.height,
    Photo.variants[LIST_THUMBNAIL].astext.label("thumbnail_key"),
)


def _newest_first(query: Select[*Ts], after: bool) -> Select[*Ts]:
    """`query` (of photos) from the cursor's row on when `after`, newest first, one page."""
    if after:
        query = query.where(tuple_(photo_sort_at, Photo.id) < tuple_(_after_at, _after_id))
    return query.order_by(photo_sort_at.desc(), Photo.id.desc()).limit(_limit)


def _tagged(after: bool) -> AnySelect:
    return _newest_first(
        select(*PHOTO_COLUMNS, Project.bucket, literal(1).label("tagged"), photo_sort_at.label("sort_at"))
        .select_from(PhotoTag)
        .join(Photo, Photo.id == PhotoTag.photo_id)
        .join(Project, Project.id == Photo.project_id)
        .join(
            ProjectMember, and_(ProjectMember.project_id == Photo.project_id, ProjectMember.user_id == _user)
        )
        .where(
            PhotoTag.user_id == _user,
            PhotoTag.deleted_at.is_(None),
            Photo.status == "ready",
            photo_shown,
            participant_may("see"),
        ),
        after,
    )


def _untagged(after: bool) -> AnySelect:
    per_project = _newest_first(
        select(*PHOTO_COLUMNS, photo_sort_at.label("sort_at")).where(
            Photo.project_id == ProjectMember.project_id,
            Photo.status == "ready",
            photo_shown,
            ~tagged_in(_user, Photo.id),
        ),
        after,
    ).lateral("per_project")
    c = per_project.c
    return (
        select(c.id, c.project_id, c.taken_at, c.width, c.height, c.thumbnail_key, Project.bucket)
        .add_columns(literal(0).label("tagged"), c.sort_at)
        .select_from(ProjectMember)
        .join(Project, Project.id == ProjectMember.project_id)
        .join(per_project, true())
        .where(ProjectMember.user_id == _user, participant_may("see"))
        .order_by(c.sort_at.desc(), c.id.desc())
        .limit(_limit)
    )


def _with_flags(parts: AnySelect | CompoundSelect[*tuple[Any, ...]]) -> Query:
    page = parts.subquery("page")
    return compile_query(
        select(
            *page.c,
            paid_purchase_includes(_user, page.c.id).label("has_purchase"),
            favourited(_user, page.c.id).label("is_favourite"),
        )
        .order_by(page.c.tagged.desc(), page.c.sort_at.desc(), page.c.id.desc())
        .limit(_limit)
    )


# By where the cursor is: no cursor, in part 1 (tagged), in part 2.
FIRST_PAGE = _with_flags(union_all(_tagged(False), _untagged(False)))
AFTER_TAGGED = _with_flags(union_all(_tagged(True), _untagged(False)))
AFTER_UNTAGGED = _with_flags(_untagged(True))


def summary_of(row: Row) -> dict[str, Any]:
    """A `PhotoSummary` as its JSON object (camelCase keys; tests/main/test_gallery.py checks it
    against the schema) from a row of `PHOTO_COLUMNS`, the bucket, the tagged flag, the sort key, and
    the purchase and favourite flags (the photo search and albums read the same columns)."""
    photo_id, project_id, taken_at, width, height, key, bucket, tagged, _, purchased, favourite = row
    return {
        "id": photo_id,
        "projectId": project_id,
        "takenAt": taken_at,
        "width": width,
        "height": height,
        "tagged": bool(tagged),
        "hasPurchase": purchased,
        "isFavourite": favourite,
        "thumbnailUrl": None if key is None else shared_get_url(key, bucket),
    }


async def list_photos(
    reader: Reader, user_id: uuid.UUID, limit: int, cursor: str | None
) -> tuple[bytes, str | None]:
    """One page as the response's JSON, and the next page's cursor (None on the last page)."""
    values: dict[str, Any] = {"user_id": user_id, "limit": limit + 1}
    if cursor is None:
        query = FIRST_PAGE
    else:
        tagged, values["after_at"], values["after_id"] = decode_cursor(
            cursor, _part, datetime.fromisoformat, uuid.UUID
        )
        query = AFTER_TAGGED if tagged else AFTER_UNTAGGED
    rows: Sequence[Row] = await reader.fetch(query, values)
    page, next_cursor = page_of(rows, limit, lambda r: (r[7], r[8], r[0]))
    # The rows are the database's, typed by their columns: written as JSON without a validation pass
    # (a tenth of a request's CPU); tests check the body against `PhotoSummary`.
    return to_json([summary_of(row) for row in page]), next_cursor


def _part(value: str) -> int:
    part = int(value)
    if part not in (0, 1):
        raise ValueError("no such part")
    return part

"""`GET /v1/search/photos?q=` on the media API (staff) and on the main API (members); the query
language is api/search/query.py's, a malformed query a 400 `invalid_query` with its position."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.core.pagination import Paging, paging
from api.deps import SessionDep, UserPrincipal
from api.media.access import MediaStaff
from api.search import service
from api.search.query import MAX_QUERY_CHARS
from api.search.schemas import MemberSearchOut, StaffSearchOut

media_router = APIRouter(tags=["search"])
main_router = APIRouter(tags=["search"])
Page = Annotated[Paging, paging(cap=100, default=50, cursor_length=500)]
Q = Annotated[
    str, Query(max_length=MAX_QUERY_CHARS, description="terms, e.g. `dance tag:first-dance faces:>2`")
]


@media_router.get("/v1/search/photos")
def search_staff_photos(staff: MediaStaff, session: SessionDep, q: Q, page: Page) -> StaffSearchOut:
    photos, next_cursor = service.staff_search(session, staff, q, page.limit, page.cursor)
    return StaffSearchOut(photos=photos, next_cursor=next_cursor)


@main_router.get("/v1/search/photos")
def search_my_photos(user: UserPrincipal, session: SessionDep, q: Q, page: Page) -> MemberSearchOut:
    photos, next_cursor = service.member_search(session, user.id, q, page.limit, page.cursor)
    return MemberSearchOut(photos=photos, next_cursor=next_cursor)

"""Photo routes of the main API: list, favourite, report, download."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Response, status

from api.core.pagination import NEXT_CURSOR_HEADER, Paging, paging
from api.core.reads import ReaderDep
from api.deps import CurrentUser, SessionDep, UserPrincipal
from api.gallery import listing, service
from api.gallery.schemas import DownloadOut, FavouriteOut, PhotoSummary, ReportTag
from api.settings import get_settings

router = APIRouter(prefix="/v1/photos", tags=["photos"])
Page = Annotated[Paging, paging(cap=100, default=50, cursor_length=500)]


@router.get("", response_model=list[PhotoSummary])
async def list_my_photos(user: UserPrincipal, reader: ReaderDep, page: Page) -> Response:
    """Async, on the read pool, no account row loaded: the hot path of the app (api/gallery/listing.py)."""
    body, next_cursor = await listing.list_photos(reader, user.id, page.limit, page.cursor)
    headers = {NEXT_CURSOR_HEADER: next_cursor} if next_cursor else None
    return Response(body, media_type="application/json", headers=headers)


@router.post("/{id}/favourite")
def toggle_favourite(id: uuid.UUID, user: CurrentUser, session: SessionDep) -> FavouriteOut:
    return FavouriteOut(is_favourite=service.toggle_favourite(session, user.id, id))


@router.post("/{id}/report", status_code=status.HTTP_204_NO_CONTENT)
def report_tag(id: uuid.UUID, body: ReportTag, user: CurrentUser, session: SessionDep) -> Response:
    service.report_tag(session, user.id, id, body.report_type)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/{id}/download")
def download_photo(id: uuid.UUID, user: CurrentUser, session: SessionDep) -> DownloadOut:
    url = service.download(session, user.id, id)
    return DownloadOut(download_url=url, expires_in_seconds=get_settings().download_url_ttl_s)

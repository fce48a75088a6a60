"""Share-link routes (main API)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Body, Path, Response, status
from fastapi.responses import HTMLResponse

from api.core.errors import NotFound
from api.core.links import SHARE_PATH
from api.deps import CurrentUser, SessionDep
from api.settings import get_settings
from api.shares import page, service
from api.shares.schemas import CreateShare, ShareCreatedOut, SharedPhotoOut

router = APIRouter(tags=["shares"])


@router.post("/v1/photos/{photoId}/shares", status_code=status.HTTP_201_CREATED)
def create_share_link(
    photoId: uuid.UUID,
    user: CurrentUser,
    session: SessionDep,
    body: Annotated[CreateShare | None, Body()] = None,
) -> ShareCreatedOut:
    ttl = (body or CreateShare()).expires_in_seconds
    created = service.create_share(session, user.id, photoId, ttl)
    return ShareCreatedOut(
        share_id=created.share.id, token=created.token, url=created.url, expires_at=created.share.expires_at
    )


ShareToken = Annotated[str, Path(max_length=256)]


@router.get("/v1/shares/{token}")
def open_share_link(token: ShareToken, session: SessionDep) -> SharedPhotoOut:
    shared = service.open_share(session, token)
    return SharedPhotoOut(
        photo_id=shared.photo_id, url=shared.url, expires_in_seconds=get_settings().download_url_ttl_s
    )


@router.get(SHARE_PATH, response_class=HTMLResponse, include_in_schema=False)
def share_page(token: ShareToken, session: SessionDep) -> HTMLResponse:
    """The page a share link opens (the link's `url`): the photo and the event's name; a 404 page
    once the link is revoked or expired. A page for people, not part of the API contract."""
    try:
        shared = service.open_share(session, token)
    except NotFound:
        return page.missing_share_page()
    return page.shared_photo_page(shared.event_name, shared.url)


@router.delete("/v1/photos/{photoId}/shares/{shareId}", status_code=status.HTTP_204_NO_CONTENT)
def revoke_share_link(
    photoId: uuid.UUID, shareId: uuid.UUID, user: CurrentUser, session: SessionDep
) -> Response:
    service.revoke_share(session, user.id, photoId, shareId)
    return Response(status_code=status.HTTP_204_NO_CONTENT)

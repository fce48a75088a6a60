"""Share-link routes (main API)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Body, Path, Response, status

from api.deps import CurrentUser, SessionDep
from api.settings import get_settings
from api.shares import service
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


@router.get("/v1/shares/{token}")
def open_share_link(token: Annotated[str, Path(max_length=256)], session: SessionDep) -> SharedPhotoOut:
    photo_id, url = service.open_share(session, token)
    return SharedPhotoOut(photo_id=photo_id, url=url, expires_in_seconds=get_settings().download_url_ttl_s)


@router.delete("/v1/photos/{photoId}/shares/{shareId}", status_code=status.HTTP_204_NO_CONTENT)
def revoke_share_link(
    photoId: uuid.UUID, shareId: uuid.UUID, user: CurrentUser, session: SessionDep
) -> Response:
    service.revoke_share(session, user.id, photoId, shareId)
    return Response(status_code=status.HTTP_204_NO_CONTENT)

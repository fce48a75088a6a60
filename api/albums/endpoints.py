"""Album routes: the staff's on the media API (`staff_router`: the project's operator and its
assigned photographers, media audience), the members' on the main API (`member_router`)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Response, status

from api.albums import service
from api.albums.schemas import AlbumCreate, AlbumOut, AlbumPhotosAdd, AlbumUpdate
from api.core.pagination import Paging, paging
from api.deps import SessionDep, UserPrincipal
from api.gallery.schemas import PhotoSummary
from api.media.access import MediaStaff
from api.media.schemas import PhotoListItem

staff_router = APIRouter(tags=["albums"])
member_router = APIRouter(tags=["albums"])

ProjectId = Annotated[uuid.UUID, Path(alias="projectId")]
AlbumId = Annotated[uuid.UUID, Path(alias="albumId")]
PhotoId = Annotated[uuid.UUID, Path(alias="photoId")]
Page = Annotated[Paging, paging(cap=200, default=50, cursor_length=200)]


# --- staff (media API) --------------------------------------------------------------------------


@staff_router.post("/v1/projects/{projectId}/albums", status_code=status.HTTP_201_CREATED)
def create_album(
    project_id: ProjectId, body: AlbumCreate, staff: MediaStaff, session: SessionDep
) -> AlbumOut:
    project = service.project_for(session, project_id, service.staff_access(staff), lock=True)
    album = service.create_album(session, project, body.name)
    return service.album_out(session, album, service.staff_sees())


@staff_router.get("/v1/projects/{projectId}/albums")
def list_project_albums(project_id: ProjectId, staff: MediaStaff, session: SessionDep) -> list[AlbumOut]:
    project = service.project_for(session, project_id, service.staff_access(staff))
    return service.list_albums(session, project, service.staff_sees())


@staff_router.get("/v1/albums/{albumId}")
def get_album(album_id: AlbumId, staff: MediaStaff, session: SessionDep) -> AlbumOut:
    album = service.album_for(session, album_id, service.staff_access(staff))
    return service.album_out(session, album, service.staff_sees())


@staff_router.patch("/v1/albums/{albumId}")
def update_album(album_id: AlbumId, body: AlbumUpdate, staff: MediaStaff, session: SessionDep) -> AlbumOut:
    album = service.album_for(session, album_id, service.staff_access(staff), lock=True)
    service.update_album(session, album, body)
    return service.album_out(session, album, service.staff_sees())


@staff_router.delete("/v1/albums/{albumId}", status_code=status.HTTP_204_NO_CONTENT)
def delete_album(album_id: AlbumId, staff: MediaStaff, session: SessionDep) -> Response:
    album = service.album_for(session, album_id, service.staff_access(staff), lock=True)
    service.delete_album(session, album)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@staff_router.post("/v1/albums/{albumId}/photos")
def add_album_photos(
    album_id: AlbumId, body: AlbumPhotosAdd, staff: MediaStaff, session: SessionDep
) -> AlbumOut:
    album = service.album_for(session, album_id, service.staff_access(staff), lock=True)
    service.add_photos(session, album, body.photo_ids)
    return service.album_out(session, album, service.staff_sees())


@staff_router.delete("/v1/albums/{albumId}/photos/{photoId}", status_code=status.HTTP_204_NO_CONTENT)
def remove_album_photo(
    album_id: AlbumId, photo_id: PhotoId, staff: MediaStaff, session: SessionDep
) -> Response:
    album = service.album_for(session, album_id, service.staff_access(staff))
    service.remove_photo(session, album, photo_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@staff_router.get("/v1/albums/{albumId}/photos")
def list_album_photos(
    album_id: AlbumId, staff: MediaStaff, session: SessionDep, page: Page
) -> list[PhotoListItem]:
    album = service.album_for(session, album_id, service.staff_access(staff))
    return page.respond(service.staff_photos(session, album, page.limit, page.cursor))


# --- members (main API) -------------------------------------------------------------------------


@member_router.get("/v1/projects/{projectId}/albums")
def list_my_project_albums(project_id: ProjectId, user: UserPrincipal, session: SessionDep) -> list[AlbumOut]:
    project = service.project_for(session, project_id, service.member_access(user.id))
    return service.list_albums(session, project, service.member_sees())


@member_router.get("/v1/albums/{albumId}")
def get_my_album(album_id: AlbumId, user: UserPrincipal, session: SessionDep) -> AlbumOut:
    album = service.album_for(session, album_id, service.member_access(user.id))
    return service.album_out(session, album, service.member_sees())


@member_router.get("/v1/albums/{albumId}/photos")
def list_my_album_photos(
    album_id: AlbumId, user: UserPrincipal, session: SessionDep, page: Page
) -> list[PhotoSummary]:
    album = service.album_for(session, album_id, service.member_access(user.id))
    return page.respond(service.member_photos(session, user.id, album, page.limit, page.cursor))

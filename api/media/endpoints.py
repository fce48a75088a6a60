"""Media API routes (spec/media-api.md, and design.md's resumable uploads, completion and delivery).

Paths with a ':' verb are declared before the plain `{photoId}` path they would otherwise match."""

from __future__ import annotations

import hmac
import uuid
from typing import Annotated
from urllib.parse import unquote_plus

from fastapi import APIRouter, Depends, Header, Path, Query, Response, status
from sqlalchemy.orm import Session

from api.core.errors import NotFound, Unauthorized, Unprocessable
from api.core.pagination import Paging, paging
from api.deps import (
    CurrentOperator,
    CurrentPhotographer,
    MediaPhotographer,
    MediaPhotographerPrincipal,
    MediaUser,
    PhotographerPrincipal,
    SessionDep,
)
from api.media import completion, resumable, service, sweep
from api.media.access import (
    MediaAccount,
    MediaStaff,
    assigned_project,
    owned_project,
    staff_photo,
    visible_photo,
)
from api.media.schemas import (
    CompleteUploadIn,
    FileIn,
    PartUrlOut,
    PhotoListItem,
    PhotoOut,
    PhotoStateOut,
    PhotoUpdate,
    PhotoUploadIn,
    PhotoUploadOut,
    ProfilePictureOut,
    ResumableIn,
    ResumableOut,
    SelfieOut,
    SelfieStateOut,
    SelfieUploadOut,
    StorageEventIn,
    StorageEventOut,
    Variant,
    ViewOut,
)
from api.models import Photo, Project
from api.provisioning import ProvisionerDep
from api.settings import get_settings

router = APIRouter(tags=["media"])
internal_router = APIRouter(prefix="/internal", tags=["internal"])

Page = Annotated[Paging, paging(cap=200, default=50, cursor_length=512)]


def _uuid_list(raw: str | None, name: str) -> list[uuid.UUID] | None:
    if raw is None or not raw.strip():
        return None
    try:
        return [uuid.UUID(part.strip()) for part in raw.split(",") if part.strip()]
    except ValueError as exc:
        raise Unprocessable(
            f"{name} must be a comma-separated list of UUIDs.", code="validation_error"
        ) from exc


# --- presigned uploads --------------------------------------------------------------------------


@router.post("/v1/selfie/upload-url", status_code=status.HTTP_201_CREATED)
def selfie_upload_url(user: MediaUser, session: SessionDep, body: FileIn | None = None) -> SelfieUploadOut:
    return service.selfie_upload_url(session, user, body or FileIn())


@router.post("/v1/photos/upload-url", status_code=status.HTTP_201_CREATED)
def photo_upload_url(
    body: PhotoUploadIn,
    photographer: MediaPhotographerPrincipal,
    session: SessionDep,
    provisioner: ProvisionerDep,
) -> PhotoUploadOut:
    return service.photo_upload_url(session, photographer.id, body, provisioner)


@router.post("/v1/photographers/me/photos/upload-url", status_code=status.HTTP_201_CREATED)
def photographer_photo_upload_url(
    body: PhotoUploadIn, photographer: PhotographerPrincipal, session: SessionDep, provisioner: ProvisionerDep
) -> PhotoUploadOut:
    return service.photo_upload_url(session, photographer.id, body, provisioner)


@router.post("/v1/operators/me/profile-picture/upload-url")
def profile_picture_upload_url(
    operator: CurrentOperator, session: SessionDep, body: FileIn | None = None
) -> ProfilePictureOut:
    return service.profile_picture_upload_url(session, operator, body or FileIn())


# --- completion ---------------------------------------------------------------------------------


@router.post("/v1/photos/{photoId}/complete", status_code=status.HTTP_202_ACCEPTED)
def complete_photo_upload(
    photo_id: Annotated[uuid.UUID, Path(alias="photoId")],
    photographer: MediaPhotographer,
    session: SessionDep,
) -> PhotoStateOut:
    staff_photo(session, photographer, photo_id)
    photo = completion.require_photo_completed(session, photo_id)
    return PhotoStateOut(photo_id=photo.id, status=photo.status)


@router.post("/v1/selfie/{selfieId}/complete", status_code=status.HTTP_202_ACCEPTED)
def complete_selfie_upload(
    selfie_id: Annotated[uuid.UUID, Path(alias="selfieId")], user: MediaUser, session: SessionDep
) -> SelfieStateOut:
    service.own_selfie(session, user, selfie_id)
    selfie = completion.require_selfie_completed(session, selfie_id)
    return SelfieStateOut(selfie_id=selfie.id, status=selfie.status)


def _storage_secret(secret: Annotated[str | None, Header(alias="X-Wairo-Storage-Secret")] = None) -> None:
    expected = get_settings().storage_events_secret.encode()
    if secret is None or not hmac.compare_digest(secret.encode(), expected):
        raise Unauthorized("The storage event secret is missing or wrong.")


@internal_router.post("/storage-events", dependencies=[Depends(_storage_secret)])
def storage_events(body: StorageEventIn, session: SessionDep) -> StorageEventOut:
    """S3-style bucket notifications ("object created"): each known pending upload is completed; an
    object no row claims is queued for the orphan sweep (api/media/sweep.py)."""
    completed = ignored = 0
    for record in body.records:
        key = unquote_plus(record.s3.object.key)  # S3 URL-encodes keys in notifications
        if completion.on_storage_event(session, record.s3.bucket.name, key):
            completed += 1
        else:
            sweep.on_unclaimed_event(session, record.s3.bucket.name, key)
            ignored += 1
    return StorageEventOut(completed=completed, ignored=ignored)


# --- resumable uploads --------------------------------------------------------------------------


@router.post("/v1/uploads:resumable", status_code=status.HTTP_201_CREATED)
def start_resumable_upload(
    body: ResumableIn, photographer: MediaPhotographer, session: SessionDep
) -> ResumableOut:
    upload = resumable.start(session, photographer, body)
    return ResumableOut(
        session_id=upload.id,
        object_key=upload.object_key,
        part_size_bytes=upload.part_size_bytes,
        expires_at=upload.expires_at,
        status_url=service.status_url(upload.photo_id),
        headers=resumable.PART_HEADERS,
    )


@router.post("/v1/uploads/{sessionId}/parts/{partNumber}")
def resumable_part_url(
    session_id: Annotated[uuid.UUID, Path(alias="sessionId")],
    part_number: Annotated[int, Path(alias="partNumber", ge=1, le=resumable.MAX_PARTS)],
    photographer: MediaPhotographer,
    session: SessionDep,
) -> PartUrlOut:
    return PartUrlOut(
        part_number=part_number, url=resumable.part_url(session, photographer, session_id, part_number)
    )


@router.post("/v1/uploads/{sessionId}:complete")
def complete_resumable_upload(
    session_id: Annotated[uuid.UUID, Path(alias="sessionId")],
    body: CompleteUploadIn,
    photographer: MediaPhotographer,
    session: SessionDep,
) -> PhotoStateOut:
    photo = resumable.complete(session, photographer, session_id, body)
    return PhotoStateOut(photo_id=photo.id, status=photo.status)


@router.delete("/v1/uploads/{sessionId}", status_code=status.HTTP_204_NO_CONTENT)
def abort_resumable_upload(
    session_id: Annotated[uuid.UUID, Path(alias="sessionId")],
    photographer: MediaPhotographer,
    session: SessionDep,
) -> Response:
    resumable.abort(session, photographer, session_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# --- status, delivery, retry --------------------------------------------------------------------


@router.get("/v1/photos/{photoId}:view")
def view_photo(
    photo_id: Annotated[uuid.UUID, Path(alias="photoId")],
    variant: Annotated[Variant, Query()],
    account: MediaAccount,
    session: SessionDep,
) -> ViewOut:
    photo = visible_photo(session, account, photo_id, variant)
    url = service.view_url(session, photo, variant)
    return ViewOut(url=url, expires_in_seconds=get_settings().download_url_ttl_s)


@router.post("/v1/photos/{photoId}:retry", status_code=status.HTTP_202_ACCEPTED)
def retry_photo(
    photo_id: Annotated[uuid.UUID, Path(alias="photoId")], staff: MediaStaff, session: SessionDep
) -> PhotoStateOut:
    photo = service.retry_photo(session, staff_photo(session, staff, photo_id, lock=True))
    return PhotoStateOut(photo_id=photo.id, status=photo.status)


@router.get(service.PHOTO_PATH)
def get_photo(
    photo_id: Annotated[uuid.UUID, Path(alias="photoId")], staff: MediaStaff, session: SessionDep
) -> PhotoOut:
    return service.photo_out(staff_photo(session, staff, photo_id))


@router.patch(service.PHOTO_PATH)
def update_photo(
    photo_id: Annotated[uuid.UUID, Path(alias="photoId")],
    body: PhotoUpdate,
    staff: MediaStaff,
    session: SessionDep,
) -> PhotoOut:
    """Title, tags (the list replaces the stored one) and visibility: a hidden photo is kept, and
    shown to the staff only."""
    photo = service.update_photo(staff_photo(session, staff, photo_id, lock=True), body)
    return service.photo_out(photo)


@router.get("/v1/selfie")
def get_selfie(user: MediaUser, session: SessionDep) -> SelfieOut:
    return SelfieOut.model_validate(service.current_selfie(session, user))


@router.get("/v1/selfies")
def list_selfies(user: MediaUser, session: SessionDep) -> list[SelfieOut]:
    """The caller's selfies, newest first (up to three kept, plus rejected ones)."""
    return [SelfieOut.model_validate(s) for s in service.list_selfies(session, user)]


@router.delete("/v1/selfies/{selfieId}", status_code=status.HTTP_204_NO_CONTENT)
def delete_selfie(
    selfie_id: Annotated[uuid.UUID, Path(alias="selfieId")], user: MediaUser, session: SessionDep
) -> Response:
    service.delete_selfie(session, user, selfie_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# --- listings and deletion ----------------------------------------------------------------------


@router.get("/v1/photographers/me/projects/{projectId}/photos")
def list_photographer_project_photos(
    project_id: Annotated[uuid.UUID, Path(alias="projectId")],
    photographer: CurrentPhotographer,
    session: SessionDep,
    page: Page,
) -> list[PhotoListItem]:
    assigned_project(session, photographer, project_id)
    return page.respond(
        service.list_photos(session, [Photo.project_id == project_id], page.limit, page.cursor)
    )


@router.get("/v1/operators/me/photos")
def list_operator_photos(
    operator: CurrentOperator,
    session: SessionDep,
    page: Page,
    project_ids: Annotated[str | None, Query(alias="projectIds", max_length=20_000)] = None,
    photographer_ids: Annotated[str | None, Query(alias="photographerIds", max_length=20_000)] = None,
) -> list[PhotoListItem]:
    where = [Project.operator_id == operator.id]
    projects = _uuid_list(project_ids, "projectIds")
    photographers = _uuid_list(photographer_ids, "photographerIds")
    if projects is not None:
        where.append(Photo.project_id.in_(projects))
    if photographers is not None:
        where.append(Photo.photographer_id.in_(photographers))
    return page.respond(service.list_photos(session, where, page.limit, page.cursor))


@router.get("/v1/operators/me/projects/{projectId}/photos")
def list_operator_project_photos(
    project_id: Annotated[uuid.UUID, Path(alias="projectId")],
    operator: CurrentOperator,
    session: SessionDep,
    page: Page,
) -> list[PhotoListItem]:
    owned_project(session, operator, project_id)
    return page.respond(
        service.list_photos(session, [Photo.project_id == project_id], page.limit, page.cursor)
    )


@router.delete("/v1/photographers/me/projects/{projectId}/photos/{photoId}", status_code=204)
def delete_photographer_photo(
    project_id: Annotated[uuid.UUID, Path(alias="projectId")],
    photo_id: Annotated[uuid.UUID, Path(alias="photoId")],
    photographer: CurrentPhotographer,
    session: SessionDep,
) -> Response:
    return _delete(session, staff_photo(session, photographer, photo_id, lock=True), project_id)


@router.delete("/v1/operators/me/projects/{projectId}/photos/{photoId}", status_code=204)
def delete_operator_photo(
    project_id: Annotated[uuid.UUID, Path(alias="projectId")],
    photo_id: Annotated[uuid.UUID, Path(alias="photoId")],
    operator: CurrentOperator,
    session: SessionDep,
) -> Response:
    return _delete(session, staff_photo(session, operator, photo_id, lock=True), project_id)


def _delete(session: Session, photo: Photo, project_id: uuid.UUID) -> Response:
    if photo.project_id != project_id:
        raise NotFound("Photo not found.")
    service.delete_photo(session, photo)
    return Response(status_code=status.HTTP_204_NO_CONTENT)

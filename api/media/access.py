"""Who may touch which photo. The media API serves two audiences (spec/media-api.md); routes that
any media-audience caller may use (status, delivery) take one of the principals below."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends
from sqlalchemy import BindParameter, Exists, exists, or_, select
from sqlalchemy.orm import Session

from api.core.errors import Forbidden, NotFound
from api.core.security import Principal
from api.deps import SessionDep, load_account, require_principal
from api.gallery.service import paid_purchase_includes
from api.models import Operator, Photo, Photographer, Project, ProjectMember, ProjectPhotographer, User
from api.models.photos import photo_shown
from api.projects.lifecycle import participant_may, photographer_sees
from wairo_contracts.keys import WATERMARKED

Account = User | Operator | Photographer

_media_staff = require_principal("media", ("operator", "photographer"))
_media_any = require_principal("media", ("user", "operator", "photographer"))


def _media_staff_account(
    session: SessionDep, principal: Annotated[Principal, Depends(_media_staff)]
) -> Operator | Photographer:
    if principal.role == "operator":
        return load_account(Operator, session, principal)
    return load_account(Photographer, session, principal)


def _media_account(session: SessionDep, principal: Annotated[Principal, Depends(_media_any)]) -> Account:
    if principal.role == "user":
        return load_account(User, session, principal)
    return _media_staff_account(session, principal)


# Staff with a token carrying the media audience (backoffice logins carry both).
MediaStaff = Annotated[Operator | Photographer, Depends(_media_staff_account)]
# Any media-audience caller: end users, operators, photographers.
MediaAccount = Annotated[Account, Depends(_media_account)]


def assigned_to(photographer_id: uuid.UUID | BindParameter[uuid.UUID]) -> Exists:
    """SQL: the photographer is assigned to the row's project (`Project` in the query)."""
    return exists().where(
        ProjectPhotographer.project_id == Project.id, ProjectPhotographer.photographer_id == photographer_id
    )


def assigned_project(session: Session, photographer: Photographer, project_id: uuid.UUID) -> Project:
    """A project the photographer is assigned to and sees (404 otherwise)."""
    project = session.scalar(
        select(Project).where(Project.id == project_id, photographer_sees(), assigned_to(photographer.id))
    )
    if project is None:
        raise NotFound("Project not found.")
    return project


def owned_project(session: Session, operator: Operator, project_id: uuid.UUID) -> Project:
    project = session.scalar(
        select(Project).where(Project.id == project_id, Project.operator_id == operator.id)
    )
    if project is None:
        raise NotFound("Project not found.")
    return project


def staff_photo(
    session: Session, staff: Operator | Photographer, photo_id: uuid.UUID, *, lock: bool = False
) -> Photo:
    """A photo its uploader (in a project photographers see) or the project's operator may manage;
    anyone else gets a 404."""
    stmt = select(Photo).join(Project, Project.id == Photo.project_id).where(Photo.id == photo_id)
    if isinstance(staff, Operator):
        stmt = stmt.where(Project.operator_id == staff.id)
    else:
        stmt = stmt.where(Photo.photographer_id == staff.id, photographer_sees())
    photo = session.scalar(stmt.with_for_update(of=Photo) if lock else stmt)
    if photo is None:
        raise NotFound("Photo not found.")
    return photo


def visible_photo(session: Session, account: Account, photo_id: uuid.UUID, variant: str) -> Photo:
    """A photo variant the caller may see: staff as in :func:`staff_photo` (every variant). Members of
    a project participants see (api.projects.lifecycle) its thumbnails unless the staff hid it; the
    watermarked photo once a paid purchase of theirs holds it (what `download` sells, hidden or
    not); originals are for staff only."""
    if not isinstance(account, User):
        return staff_photo(session, account, photo_id)
    bought = paid_purchase_includes(account.id, Photo.id)
    photo = session.scalar(
        select(Photo)
        .join(Project, Project.id == Photo.project_id)
        .where(
            Photo.id == photo_id,
            participant_may("see"),
            exists().where(ProjectMember.project_id == Photo.project_id, ProjectMember.user_id == account.id),
            or_(photo_shown, bought) if variant == WATERMARKED else photo_shown,
        )
    )
    if photo is None:
        raise NotFound("Photo not found.")
    if variant == "original":
        raise Forbidden("Originals are available to the photographer and the operator only.")
    if variant == WATERMARKED and not session.scalar(paid_purchase_includes(account.id, photo.id).select()):
        raise Forbidden("Buy this photo to see it watermarked in full size.", code="purchase_required")
    return photo

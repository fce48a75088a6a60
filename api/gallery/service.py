"""Per-photo actions of members (the photo list is api/gallery/listing.py)."""

from __future__ import annotations

import uuid

from sqlalchemy import (
    Exists,
    delete,
    exists,
    func,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import SQLCoreOperations

from api.core.errors import Forbidden, NotFound
from api.core.storage import presign_get
from api.media.retention import bought_object
from api.membership.service import require_member
from api.models import (
    Favourite,
    Photo,
    PhotoTag,
    Project,
    Purchase,
    PurchaseDownload,
    PurchaseItem,
    TagReport,
)
from api.models.photos import photo_shown
from api.projects.lifecycle import ParticipantAction, participant_may
from api.settings import get_settings

# An id, or the SQL expression of one (the photo flags below are correlated into list queries).
IdOrColumn = SQLCoreOperations[uuid.UUID] | uuid.UUID


def paid_purchase_includes(user_id: IdOrColumn, photo_id: IdOrColumn) -> Exists:
    """EXISTS: a paid purchase of the user includes the photo."""
    return exists().where(
        PurchaseItem.photo_id == photo_id,
        Purchase.id == PurchaseItem.purchase_id,
        Purchase.user_id == user_id,
        Purchase.status == "paid",
    )


def favourited(user_id: IdOrColumn, photo_id: IdOrColumn) -> Exists:
    """EXISTS: the user favourited the photo."""
    return exists().where(Favourite.photo_id == photo_id, Favourite.user_id == user_id)


def tagged_in(user_id: IdOrColumn, photo_id: IdOrColumn) -> Exists:
    """EXISTS: a live tag of the user on the photo (auto tags are soft-deleted on revocation)."""
    return exists().where(
        PhotoTag.photo_id == photo_id, PhotoTag.user_id == user_id, PhotoTag.deleted_at.is_(None)
    )


def member_photo(
    session: Session, user_id: uuid.UUID, photo_id: uuid.UUID, action: ParticipantAction = "see"
) -> Photo:
    """A ready photo of a project the user is a member of and may `action` in: 404 unknown, hidden
    by the staff, or in a project hidden from participants (api.projects.lifecycle); 403 not a
    member."""
    photo = session.scalar(
        select(Photo)
        .join(Project, Project.id == Photo.project_id)
        .where(Photo.id == photo_id, Photo.status == "ready", photo_shown, participant_may(action))
    )
    if photo is None:
        raise NotFound("Photo not found.")
    require_member(session, user_id, photo.project_id)
    return photo


def toggle_favourite(session: Session, user_id: uuid.UUID, photo_id: uuid.UUID) -> bool:
    member_photo(session, user_id, photo_id)
    removed = session.scalar(
        delete(Favourite)
        .where(Favourite.user_id == user_id, Favourite.photo_id == photo_id)
        .returning(Favourite.photo_id)
    )
    if removed is not None:
        return False
    session.execute(insert(Favourite).values(user_id=user_id, photo_id=photo_id).on_conflict_do_nothing())
    return True


def report_tag(session: Session, user_id: uuid.UUID, photo_id: uuid.UUID, report_type: str) -> None:
    member_photo(session, user_id, photo_id)
    session.execute(
        insert(TagReport)
        .values(user_id=user_id, photo_id=photo_id, report_type=report_type)
        .on_conflict_do_nothing(index_elements=["user_id", "photo_id", "report_type"])
    )


def watermarked_url(session: Session, photo_id: uuid.UUID) -> str:
    """A presigned GET of what a purchase of the photo buys (its retained copy once it is deleted)."""
    bucket, key = bought_object(session, photo_id)
    return presign_get(key, bucket=bucket, ttl_s=get_settings().download_url_ttl_s)


def download(session: Session, user_id: uuid.UUID, photo_id: uuid.UUID) -> str:
    """A presigned GET of the watermarked photo for a buyer; counts the download. The paid right is
    what entitles: no membership is required, and a deleted photo stays downloadable."""
    url = watermarked_url(session, photo_id)
    right = (
        select(PurchaseDownload.id)
        .join(Purchase, Purchase.id == PurchaseDownload.purchase_id)
        .where(PurchaseDownload.photo_id == photo_id, Purchase.user_id == user_id, Purchase.status == "paid")
        .order_by(PurchaseDownload.created_at)
        .limit(1)
        .scalar_subquery()
    )
    counted = session.scalar(
        update(PurchaseDownload)
        .where(PurchaseDownload.id == right)
        .values(download_count=PurchaseDownload.download_count + 1, last_downloaded_at=func.now())
        .returning(PurchaseDownload.id)
    )
    if counted is None:
        raise Forbidden("Buy this photo to download it.", code="purchase_required")
    return url

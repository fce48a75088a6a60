"""The photo list (one SQL query, tagged photos first) and per-photo actions of members."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    Exists,
    Integer,
    and_,
    delete,
    exists,
    func,
    literal,
    select,
    tuple_,
    update,
)
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import SQLCoreOperations

from api.core.errors import Forbidden, NotFound
from api.core.pagination import decode_cursor, page_of
from api.core.storage import presign_get
from api.media.retention import bought_object
from api.membership.service import require_member
from api.models import (
    Favourite,
    Photo,
    PhotoTag,
    Project,
    ProjectMember,
    Purchase,
    PurchaseDownload,
    PurchaseItem,
    TagReport,
)
from api.projects.lifecycle import ParticipantAction, participant_may
from api.settings import get_settings
from wairo_contracts.keys import LIST_THUMBNAIL


@dataclass(frozen=True)
class PhotoRow:
    id: uuid.UUID
    project_id: uuid.UUID
    taken_at: datetime | None
    width: int | None
    height: int | None
    tagged: bool
    has_purchase: bool
    is_favourite: bool
    thumbnail_url: str | None


def paid_purchase_includes(user_id: uuid.UUID, photo_id: SQLCoreOperations[uuid.UUID] | uuid.UUID) -> Exists:
    """EXISTS: a paid purchase of the user includes the photo."""
    return exists().where(
        PurchaseItem.photo_id == photo_id,
        Purchase.id == PurchaseItem.purchase_id,
        Purchase.user_id == user_id,
        Purchase.status == "paid",
    )


def list_photos(
    session: Session, user_id: uuid.UUID, limit: int, cursor: str | None
) -> tuple[list[PhotoRow], str | None]:
    """Ready photos of the projects the user is a member of and sees (api.projects.lifecycle): tagged
    first, then newest first."""
    tagged = exists().where(
        PhotoTag.photo_id == Photo.id, PhotoTag.user_id == user_id, PhotoTag.deleted_at.is_(None)
    )
    sort_at = func.coalesce(Photo.taken_at, Photo.created_at)
    inner = (
        select(
            Photo.id,
            Photo.project_id,
            Photo.taken_at,
            Photo.width,
            Photo.height,
            Photo.variants,
            Project.bucket,
            tagged.cast(Integer).label("tagged"),
            paid_purchase_includes(user_id, Photo.id).label("has_purchase"),
            exists()
            .where(Favourite.photo_id == Photo.id, Favourite.user_id == user_id)
            .label("is_favourite"),
            sort_at.label("sort_at"),
        )
        .join(Project, Project.id == Photo.project_id)
        .join(
            ProjectMember,
            and_(ProjectMember.project_id == Photo.project_id, ProjectMember.user_id == user_id),
        )
        .where(Photo.status == "ready", participant_may("see"))
        .subquery()
    )
    key = tuple_(inner.c.tagged, inner.c.sort_at, inner.c.id)
    query = select(inner).order_by(inner.c.tagged.desc(), inner.c.sort_at.desc(), inner.c.id.desc())
    if cursor is not None:
        tagged_after, at_after, id_after = decode_cursor(cursor, int, datetime.fromisoformat, uuid.UUID)
        query = query.where(key < tuple_(literal(tagged_after), literal(at_after), literal(id_after)))
    rows, next_cursor = page_of(
        session.execute(query.limit(limit + 1)).all(), limit, lambda r: (r.tagged, r.sort_at, r.id)
    )
    return [
        PhotoRow(
            id=r.id,
            project_id=r.project_id,
            taken_at=r.taken_at,
            width=r.width,
            height=r.height,
            tagged=bool(r.tagged),
            has_purchase=r.has_purchase,
            is_favourite=r.is_favourite,
            thumbnail_url=presign_get(r.variants[LIST_THUMBNAIL], bucket=r.bucket)
            if LIST_THUMBNAIL in r.variants
            else None,
        )
        for r in rows
    ], next_cursor


def member_photo(
    session: Session, user_id: uuid.UUID, photo_id: uuid.UUID, action: ParticipantAction = "see"
) -> Photo:
    """A ready photo of a project the user is a member of and may `action` in: 404 unknown (or in
    a project hidden from participants, api.projects.lifecycle), 403 not a member."""
    photo = session.scalar(
        select(Photo)
        .join(Project, Project.id == Photo.project_id)
        .where(Photo.id == photo_id, Photo.status == "ready", participant_may(action))
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

"""Share links: created by a buyer of the photo, resolved by token, revoked by their owner."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, exists, func, select, update
from sqlalchemy.orm import Session

from api.core.errors import Forbidden, NotFound
from api.core.links import share_link
from api.core.security import hash_token, new_token
from api.gallery.service import member_photo, paid_purchase_includes, watermarked_url
from api.models import Project, Purchase, PurchaseItem, ShareLink


@dataclass(frozen=True)
class CreatedShare:
    share: ShareLink
    token: str
    url: str


def create_share(session: Session, user_id: uuid.UUID, photo_id: uuid.UUID, ttl_s: int) -> CreatedShare:
    member_photo(session, user_id, photo_id, "buy")
    if not session.scalar(paid_purchase_includes(user_id, photo_id).select()):
        raise Forbidden("Only a buyer of this photo can share it.", code="purchase_required")
    token = new_token()
    share = ShareLink(
        photo_id=photo_id,
        user_id=user_id,
        token_hash=hash_token(token),
        expires_at=datetime.now(UTC) + timedelta(seconds=ttl_s),
    )
    session.add(share)
    session.flush()
    return CreatedShare(share, token, share_link(token))


@dataclass(frozen=True)
class SharedPhoto:
    photo_id: uuid.UUID
    url: str
    event_name: str


def open_share(session: Session, token: str) -> SharedPhoto:
    """The photo behind a live link, its presigned watermarked URL and the event's name; 404 for
    anything else. The link is the buyer's gift of what they paid for: it lives while their paid
    purchase does, in every project state, and serves the retained copy once the photo is deleted."""
    row = session.execute(
        select(ShareLink.photo_id, func.coalesce(Project.name, Purchase.project_name))
        .select_from(ShareLink)
        .join(PurchaseItem, PurchaseItem.photo_id == ShareLink.photo_id)
        .join(
            Purchase,
            and_(
                Purchase.id == PurchaseItem.purchase_id,
                Purchase.user_id == ShareLink.user_id,
                Purchase.status == "paid",
            ),
        )
        .outerjoin(Project, Project.id == Purchase.project_id)
        .where(
            ShareLink.token_hash == hash_token(token),
            ShareLink.revoked_at.is_(None),
            ShareLink.expires_at > func.now(),
        )
        .order_by(Purchase.paid_at.desc())
        .limit(1)
    ).first()
    if row is None:
        raise NotFound("This share link does not exist or has expired.")
    photo_id, event_name = row
    try:
        return SharedPhoto(photo_id, watermarked_url(session, photo_id), event_name)
    except NotFound as exc:
        raise NotFound("This share link does not exist or has expired.") from exc


def revoke_share(session: Session, user_id: uuid.UUID, photo_id: uuid.UUID, share_id: uuid.UUID) -> None:
    revoked = session.scalar(
        update(ShareLink)
        .where(
            ShareLink.id == share_id,
            ShareLink.photo_id == photo_id,
            ShareLink.user_id == user_id,
            ShareLink.revoked_at.is_(None),
        )
        .values(revoked_at=func.now())
        .returning(ShareLink.id)
    )
    if revoked is None and not session.scalar(
        select(
            exists().where(
                ShareLink.id == share_id, ShareLink.photo_id == photo_id, ShareLink.user_id == user_id
            )
        )
    ):
        raise NotFound("Share link not found.")

"""What was bought survives deletions.

Deleting a photo (or its project) first copies the watermarked object of every photo a paid or
pending purchase holds to `retained/{photo_id}/watermarked.jpg` in the PLATFORM bucket (which no
project deletion or operator finalizer removes) and records it on the purchase items; then the
photo's rows and every other object go. The copy is made in the request, before the rows are
deleted: in Kubernetes mode the project's own bucket may be removed by the operator's finalizer as
soon as the deletion is committed. Buyers then download (and their share links serve) the retained
copy until no paid or pending purchase holds it: a refund releases it (`release`), and the orphan
sweep (api/media/sweep.py) removes one nothing holds any more.
"""

from __future__ import annotations

import uuid
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from api.core.errors import AppError, Conflict, NotFound
from api.core.storage import default_bucket, s3
from api.jobs.outbox import enqueue_job
from api.models import Photo, Project, Purchase, PurchaseItem
from wairo_contracts.keys import WATERMARKED, retained_key

# Purchases that hold a retained object: paid ones, and pending ones Stripe may still report paid.
HOLDING_STATUSES = ("pending", "paid")


class StorageUnavailable(AppError):
    status_code = 503
    code = "storage_unavailable"


def queue_object_deletion(
    session: Session,
    bucket: str,
    *,
    keys: list[str] | None = None,
    prefixes: list[str] | None = None,
    dedup_key: str | None = None,
) -> None:
    """The `delete_objects` job (sent after commit) for these keys and prefixes of the bucket."""
    targets = (("keys", keys), ("prefixes", prefixes))
    payload: dict[str, Any] = {name: value for name, value in targets if value}
    if bucket != default_bucket():
        payload["bucket"] = bucket
    enqueue_job(session, "delete_objects", payload, dedup_key=dedup_key)


def _held_photo_ids() -> Any:
    return (
        select(PurchaseItem.photo_id)
        .join(Purchase, Purchase.id == PurchaseItem.purchase_id)
        .where(Purchase.status.in_(HOLDING_STATUSES))
    )


def retain_bought(session: Session, bucket: str, *where: Any) -> int:
    """Copy the watermarked object of each photo matching `where` that a purchase holds into the
    retained location and record it on its purchase items; returns how many were retained. A
    storage failure answers 503 and the deletion is rolled back (nothing is lost)."""
    photos = session.scalars(select(Photo).where(Photo.id.in_(_held_photo_ids()), *where)).all()
    target = default_bucket()
    for photo in photos:
        source = photo.variants.get(WATERMARKED)
        if source is None:  # bought photos are ready; nothing to keep otherwise
            continue
        key = retained_key(photo.id)
        try:
            s3().copy_object(Bucket=target, Key=key, CopySource={"Bucket": bucket, "Key": source})
        except (ClientError, BotoCoreError) as exc:
            raise StorageUnavailable(
                "The bought photos could not be kept in storage; nothing was deleted, try again."
            ) from exc
        session.execute(
            update(PurchaseItem)
            .where(PurchaseItem.photo_id == photo.id)
            .values(retained_bucket=target, retained_key=key)
        )
    return len(photos)


def bought_object(session: Session, photo_id: uuid.UUID) -> tuple[str, str]:
    """(bucket, key) of the watermarked object a purchase of the photo buys: the photo's own while
    it exists, its retained copy once it was deleted. 404 when neither exists."""
    row = session.execute(
        select(Photo, Project.bucket)
        .join(Project, Project.id == Photo.project_id)
        .where(Photo.id == photo_id)
    ).first()
    if row is not None:
        photo, bucket = row
        if photo.status != "ready":
            raise NotFound("Photo not found.")
        key = photo.variants.get(WATERMARKED)
        if key is None:
            raise Conflict("The watermarked photo is not ready yet.", code="variant_not_ready")
        return bucket or default_bucket(), key
    retained = _retained_objects(session, PurchaseItem.photo_id == photo_id)
    if not retained:
        raise NotFound("Photo not found.")
    return retained[0]


def _retained_objects(session: Session, *where: Any) -> list[tuple[str, str]]:
    """The distinct (bucket, key) of retained objects recorded on the purchase items matching `where`."""
    rows = session.execute(
        select(PurchaseItem.retained_bucket, PurchaseItem.retained_key)
        .where(PurchaseItem.retained_key.is_not(None), *where)
        .distinct()
    ).all()
    return [(bucket, key) for bucket, key in rows if bucket is not None and key is not None]


def _same_object(bucket: str, key: str) -> tuple[Any, Any]:
    return PurchaseItem.retained_bucket == bucket, PurchaseItem.retained_key == key


def is_held(session: Session, bucket: str, key: str) -> bool:
    """Whether a paid or pending purchase still holds this retained object."""
    return bool(
        session.scalar(
            select(PurchaseItem.photo_id)
            .join(Purchase, Purchase.id == PurchaseItem.purchase_id)
            .where(*_same_object(bucket, key), Purchase.status.in_(HOLDING_STATUSES))
            .limit(1)
        )
    )


def release(session: Session, purchase_id: uuid.UUID) -> None:
    """After the purchase stopped holding its photos (refunded or canceled): purge each retained
    object that no other paid or pending purchase holds (the object by a job after commit, the
    record at once)."""
    for bucket, key in _retained_objects(session, PurchaseItem.purchase_id == purchase_id):
        same = _same_object(bucket, key)
        # Lock every item of the object, then count holders in a fresh statement: two refunds at
        # once see each other's committed status, so the last one purges.
        session.execute(select(PurchaseItem.photo_id).where(*same).with_for_update())
        if is_held(session, bucket, key):
            continue
        session.execute(update(PurchaseItem).where(*same).values(retained_bucket=None, retained_key=None))
        queue_object_deletion(session, bucket, keys=[key], dedup_key=f"delete_objects:{bucket}:{key}")

"""Storage without rows: objects under `selfies/`, `photos/` and `retained/` that no row claims are
deleted once older than the upload URL's lifetime (moto, like some S3 stores, never applies
lifecycle rules: the deletion is the platform's own).

A row claims an object: a selfie its `object_key`; a photo everything under
`photos/{project_id}/{photo_id}/`; a purchase item its retained object while a paid or pending
purchase holds it. The age rule leaves in-flight work alone (a retained copy is written just before
its row commits). Two drivers, both incremental:

- a storage event for an object no pending upload claims queues `sweep_object`, which waits (task
  retries) until the object is old enough, then deletes it when still unclaimed: e.g. a selfie PUT
  with a URL issued before its owner revoked consent, whose row is already gone;
- the `sweep_storage` beat job sweeps ONE bounded page per (bucket, prefix) and run, resuming after
  the key kept in `storage_sweep_cursors` (and from the start once a prefix is done).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from botocore.exceptions import BotoCoreError, ClientError
from sqlalchemy import select, tuple_
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from api.core.db import session_scope
from api.core.storage import default_bucket, s3
from api.jobs.outbox import enqueue_job
from api.media.retention import HOLDING_STATUSES
from api.models import Photo, Project, Purchase, PurchaseItem, Selfie, StorageSweepCursor
from api.settings import get_settings
from wairo_contracts.keys import PHOTOS, RETAINED, SELFIES, parse_photo_key

log = logging.getLogger("wairo.media.sweep")

SWEPT_PREFIXES = (SELFIES, PHOTOS, RETAINED)
PAGE_SIZE = 500


@dataclass(frozen=True)
class StoredKey:
    key: str
    last_modified: datetime


def cutoff() -> datetime:
    """Objects modified before this are old enough to be swept."""
    return datetime.now(UTC) - timedelta(seconds=get_settings().upload_url_ttl_s)


def _photo_ids(keys: Iterable[str]) -> dict[str, tuple[uuid.UUID, uuid.UUID]]:
    """key -> (project id, photo id) for the keys laid out as a photo's (others: nothing claims them)."""
    return {key: ids for key in keys if (ids := parse_photo_key(key)) is not None}


def claimed(session: Session, bucket: str, keys: list[str]) -> set[str]:
    """The keys some row claims (see the module docstring)."""
    found: set[str] = set(
        session.scalars(
            select(PurchaseItem.retained_key)
            .join(Purchase, Purchase.id == PurchaseItem.purchase_id)
            .where(
                PurchaseItem.retained_bucket == bucket,
                PurchaseItem.retained_key.in_([k for k in keys if k.startswith(RETAINED)]),
                Purchase.status.in_(HOLDING_STATUSES),
            )
        )
    )
    if bucket == default_bucket():
        selfies = [k for k in keys if k.startswith(SELFIES)]
        found |= set(session.scalars(select(Selfie.object_key).where(Selfie.object_key.in_(selfies))))
    photo_ids = _photo_ids(k for k in keys if k.startswith(PHOTOS))
    if photo_ids:
        in_bucket = Project.bucket == bucket
        if bucket == default_bucket():
            in_bucket = in_bucket | Project.bucket.is_(None)
        rows = session.execute(
            select(Photo.project_id, Photo.id)
            .join(Project, Project.id == Photo.project_id)
            .where(tuple_(Photo.project_id, Photo.id).in_(set(photo_ids.values())), in_bucket)
        ).all()
        live = {(project_id, photo_id) for project_id, photo_id in rows}
        found |= {key for key, ids in photo_ids.items() if ids in live}
    return found


def sweep_keys(session: Session, bucket: str, objects: list[StoredKey], older_than: datetime) -> list[str]:
    """Delete the swept objects older than `older_than` that no row claims; returns their keys."""
    old = [o.key for o in objects if o.last_modified < older_than and o.key.startswith(SWEPT_PREFIXES)]
    orphans = sorted(set(old) - claimed(session, bucket, old))
    if orphans:
        s3().delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": k} for k in orphans], "Quiet": True})
        log.info("swept %d object(s) no row claims from %s", len(orphans), bucket)
    return orphans


def sweep_page(
    session: Session, bucket: str, prefix: str, older_than: datetime, page_size: int = PAGE_SIZE
) -> list[str] | None:
    """One page of the prefix after its cursor; the cursor moves on (back to the start after the
    last page). None when another run holds the cursor."""
    session.execute(insert(StorageSweepCursor).values(bucket=bucket, prefix=prefix).on_conflict_do_nothing())
    cursor = session.scalar(
        select(StorageSweepCursor)
        .where(StorageSweepCursor.bucket == bucket, StorageSweepCursor.prefix == prefix)
        .with_for_update(skip_locked=True)
    )
    if cursor is None:
        return None
    listed = s3().list_objects_v2(
        Bucket=bucket,
        Prefix=prefix,
        MaxKeys=page_size,
        StartAfter=cursor.after_key or "",
    )
    contents = listed.get("Contents", [])
    objects = [StoredKey(o["Key"], o["LastModified"]) for o in contents]
    cursor.after_key = objects[-1].key if listed.get("IsTruncated") and objects else None
    return sweep_keys(session, bucket, objects, older_than)


def sweep_all() -> int:
    """The beat run: one page of each swept prefix of the platform bucket and of `photos/` in each
    project's own bucket. A bucket that is gone or unreadable is skipped (retried next run)."""
    targets = [(default_bucket(), prefix) for prefix in SWEPT_PREFIXES]
    with session_scope() as session:
        buckets = session.scalars(select(Project.bucket).where(Project.bucket.is_not(None)).distinct())
        targets += [(bucket, PHOTOS) for bucket in buckets if bucket and bucket != default_bucket()]
    swept = 0
    older_than = cutoff()
    for bucket, prefix in targets:
        try:
            with session_scope() as session:
                swept += len(sweep_page(session, bucket, prefix, older_than) or [])
        except (ClientError, BotoCoreError):
            log.warning("could not sweep %s/%s", bucket, prefix, exc_info=True)
    return swept


def on_unclaimed_event(session: Session, bucket: str, key: str) -> bool:
    """A storage event the uploads did not claim: queue `sweep_object` for a swept object no row
    claims now (it is checked again once old enough). True when queued."""
    if not key.startswith(SWEPT_PREFIXES) or claimed(session, bucket, [key]):
        return False
    enqueue_job(session, "sweep_object", {"bucket": bucket, "key": key})
    return True


def sweep_reported(bucket: str, key: str) -> float:
    """The `sweep_object` job: delete the object if no row claims it and it is old enough; returns
    the seconds to wait before it is (0 when done: deleted, claimed or already gone)."""
    try:
        modified: datetime = s3().head_object(Bucket=bucket, Key=key)["LastModified"]
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound", "NoSuchBucket"):
            return 0.0
        raise
    older_than = cutoff()
    if modified >= older_than:
        return (modified - older_than).total_seconds() + 1
    with session_scope() as session:
        sweep_keys(session, bucket, [StoredKey(key, modified)], older_than)
    return 0.0

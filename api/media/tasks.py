"""Jobs of the media domain: the reconciler of uploads (api/media/reconciler.py) and the sweep of
objects no row claims (api/media/sweep.py).

- `reconcile_uploads` (beat, every 30 s): completes, expires and aborts pending uploads, and queues
  photos stuck in `processing` again;
- `sweep_object` {bucket, key}: queued by a storage event for an unclaimed object; retried until the
  object is older than the upload URL's lifetime, then deleted if still unclaimed;
- `sweep_storage` (beat, every 5 minutes): one bounded page per swept prefix, resumed by cursor.
"""

from __future__ import annotations

from botocore.exceptions import BotoCoreError, ClientError
from celery import Task

from api.jobs.worker import celery_app
from api.media import reconciler, sweep

STORAGE_RETRIES = 10
AGE_RETRIES = 100  # each waits the object's remaining age (the upload URL's lifetime at most)


@celery_app.task(name="reconcile_uploads")
def reconcile_uploads() -> dict[str, int]:
    return reconciler.reconcile_uploads()


celery_app.conf.beat_schedule["reconcile-uploads"] = {"task": "reconcile_uploads", "schedule": 30.0}


@celery_app.task(name="sweep_object", bind=True, max_retries=AGE_RETRIES)
def sweep_object(self: Task, bucket: str, key: str) -> None:
    try:
        wait_s = sweep.sweep_reported(bucket, key)
    except (ClientError, BotoCoreError) as exc:
        countdown = min(2**self.request.retries, 300)
        raise self.retry(exc=exc, countdown=countdown, max_retries=STORAGE_RETRIES) from exc
    if wait_s > 0:
        raise self.retry(countdown=wait_s)


@celery_app.task(name="sweep_storage")
def sweep_storage() -> int:
    return sweep.sweep_all()


celery_app.conf.beat_schedule["sweep-storage"] = {"task": "sweep_storage", "schedule": 300.0}

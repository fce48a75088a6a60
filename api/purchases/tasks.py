"""Worker jobs of the purchase domain."""

from __future__ import annotations

import uuid

from api.core.db import session_scope
from api.jobs.worker import celery_app
from api.purchases import service


@celery_app.task(name="process_stripe_event", autoretry_for=(Exception,), max_retries=8, retry_backoff=True)
def process_stripe_event(eventId: str) -> None:
    with session_scope() as session:
        service.process_stripe_event(session, eventId)


@celery_app.task(
    name="notify_purchase_confirmed", autoretry_for=(Exception,), max_retries=8, retry_backoff=True
)
def notify_purchase_confirmed(purchaseId: str) -> None:
    with session_scope() as session:
        service.send_purchase_confirmation(session, uuid.UUID(purchaseId))

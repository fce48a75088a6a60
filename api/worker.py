"""The Celery application: jobs arrive through the outbox relay; beat runs the periodic work."""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage as MimeMessage
from pathlib import Path
from typing import Any

from celery import Celery, signals
from sqlalchemy import select

from api.core.context import configure_logging
from api.settings import get_settings

log = logging.getLogger("wairo.worker")


def _make_celery() -> Celery:
    settings = get_settings()
    app = Celery("wairo", broker=settings.broker_url, backend=settings.broker_url)
    app.conf.update(
        task_acks_late=True,  # a worker killed mid-job leaves the job to run again
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_serializer="json",
        accept_content=["json"],
        broker_connection_retry_on_startup=True,
        broker_transport_options={"visibility_timeout": settings.broker_visibility_timeout_s},
        result_expires=3600,
        task_default_queue="wairo",
        beat_schedule={
            "relay-outbox": {"task": "relay_outbox", "schedule": 5.0},
        },
    )
    return app


celery_app = _make_celery()


def _task_modules() -> list[str]:
    """Every `api/<domain>/tasks.py` registers its tasks (and beat entries) on import."""
    root = Path(__file__).parent
    return sorted(f"api.{path.parent.name}.tasks" for path in root.glob("*/tasks.py"))


celery_app.conf.imports = _task_modules()


def publish(task: str, payload: dict[str, Any], message_id: str, queue: str | None = None) -> None:
    """Send one job; the outbox row id is the Celery task id (idempotent tasks tolerate re-sends).
    Without a queue it goes to the shared one (task_default_queue)."""
    celery_app.send_task(task, kwargs=payload, task_id=message_id, retry=False, queue=queue)


@signals.setup_logging.connect
def _setup_logging(**_: Any) -> None:
    configure_logging()


@celery_app.task(name="relay_outbox")
def relay_outbox() -> int:
    from api.outbox import relay_pending

    return relay_pending()


@celery_app.task(
    name="send_email", autoretry_for=(OSError, smtplib.SMTPException), max_retries=5, retry_backoff=True
)
def send_email(emailId: str) -> None:
    from datetime import UTC, datetime

    from api.core.db import session_scope
    from api.models import EmailMessage

    settings = get_settings()
    with session_scope() as session:
        email = session.scalar(select(EmailMessage).where(EmailMessage.id == emailId).with_for_update())
        if email is None or email.sent_at is not None:
            return
        if settings.smtp_host:
            message = MimeMessage()
            message["From"] = settings.mail_from
            message["To"] = email.to_address
            message["Subject"] = email.subject
            message.set_content(email.body)
            with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=10) as smtp:
                smtp.send_message(message)
        log.info("email %s to %s: %s\n%s", email.template, email.to_address, email.subject, email.body)
        email.sent_at = datetime.now(UTC)

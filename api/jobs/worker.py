"""The Celery application: jobs arrive through the outbox relay; beat runs the periodic work.

Workers and beat run `celery -A api.jobs.worker.celery_app`. Besides the app, this holds `publish`
(what the relay sends each outbox row through) and the `send_email` job; the beat relay's own task
is in api/jobs/tasks.py, next to every other domain's `tasks.py`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from celery import Celery, signals

from api.core.context import configure_logging
from api.jobs import mail, metrics
from api.settings import get_settings


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
    root = Path(__file__).parents[1]
    return sorted(f"api.{path.parent.name}.tasks" for path in root.glob("*/tasks.py"))


celery_app.conf.imports = _task_modules()
metrics.connect_signals()  # jobs by task and outcome; the exporter of WAIRO_WORKER_METRICS_PORT


def publish(task: str, payload: dict[str, Any], message_id: str, queue: str | None = None) -> None:
    """Send one job; the outbox row id is the Celery task id (idempotent tasks tolerate re-sends).
    Without a queue it goes to the shared one (task_default_queue)."""
    celery_app.send_task(task, kwargs=payload, task_id=message_id, retry=False, queue=queue)


@signals.setup_logging.connect
def _setup_logging(**_: Any) -> None:
    configure_logging()


@celery_app.task(name="send_email", autoretry_for=mail.TRANSIENT_ERRORS, max_retries=5, retry_backoff=True)
def send_email(emailId: str) -> None:
    mail.deliver(emailId)

"""The jobs package's periodic task: `relay_outbox` (beat, every 5 s; api/jobs/worker.py's schedule)
publishes what the relay after commit could not (the broker was down, the process died)."""

from __future__ import annotations

from api.jobs.outbox import relay_pending
from api.jobs.worker import celery_app


@celery_app.task(name="relay_outbox")
def relay_outbox() -> int:
    return relay_pending()

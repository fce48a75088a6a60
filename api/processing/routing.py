"""Which queue a project's jobs go to.

A project whose `Project` CR asks for dedicated workers (`spec.processing.dedicatedWorkers > 0`,
copied into `projects.dedicated_workers` by the Kubernetes sync) has its own Celery queue, consumed
by the worker Deployment the operator runs in its namespace; the name is the operator's
(`wairo_operator.builders.queue_name`). Every other project uses the shared queue. Jobs that are
not about one project (selfies, mail, deletions) always use the shared queue.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.orm import Session
from wairo_operator.builders import queue_name

from api.models import Project
from api.outbox import enqueue_job


def project_queue(session: Session, project_id: uuid.UUID) -> str | None:
    """The project's own queue when it has dedicated workers, else None (the shared queue)."""
    project = session.get(Project, project_id)
    if project is None or project.dedicated_workers <= 0:
        return None
    return queue_name(str(project.id))


def enqueue_project_job(
    session: Session, project_id: uuid.UUID, task: str, payload: dict[str, Any], dedup_key: str | None = None
) -> None:
    """`enqueue_job` on the project's queue (its own when it has dedicated workers)."""
    enqueue_job(session, task, payload, dedup_key=dedup_key, queue=project_queue(session, project_id))

"""Which queue a job goes to (`api.jobs.outbox.enqueue_job` asks `job_queue` for every job).

A project whose `Project` CR asks for dedicated workers (`spec.processing.dedicatedWorkers > 0`,
copied into `projects.dedicated_workers` by the Kubernetes sync) has its own Celery queue, consumed
by the worker Deployment the operator runs in its namespace; the name is the operator's
(`wairo_contracts.project.queue_name`). Every other project uses the shared queue.

The processing jobs of a project (`PROJECT_JOBS`) go to its queue; the rest always use the shared
one: selfies and mail (no project), deletions (they outlive the project and its workers) and the
Kubernetes sync (it creates and removes those very workers).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.models import Photo, Project
from wairo_contracts.project import queue_name

ProjectOf = Callable[[Session, Mapping[str, Any]], uuid.UUID | None]


def _payload_project(_: Session, payload: Mapping[str, Any]) -> uuid.UUID | None:
    return uuid.UUID(str(payload["projectId"]))


def _photo_project(session: Session, payload: Mapping[str, Any]) -> uuid.UUID | None:
    return session.scalar(select(Photo.project_id).where(Photo.id == uuid.UUID(str(payload["photoId"]))))


# Task name -> how to find the job's project from its payload.
PROJECT_JOBS: Mapping[str, ProjectOf] = {
    "process_photo": _photo_project,
    "cluster_faces": _payload_project,
    "rematch_project": _payload_project,
}


def project_queue(session: Session, project_id: uuid.UUID) -> str | None:
    """The project's own queue when it has dedicated workers, else None (the shared queue)."""
    project = session.get(Project, project_id)
    if project is None or project.dedicated_workers <= 0:
        return None
    return queue_name(str(project.id))


def job_queue(session: Session, task: str, payload: Mapping[str, Any]) -> str | None:
    """The queue of one job: its project's own queue for a project's processing job whose project
    has dedicated workers, else None (the shared queue)."""
    project_of = PROJECT_JOBS.get(task)
    project_id = project_of(session, payload) if project_of is not None else None
    return None if project_id is None else project_queue(session, project_id)

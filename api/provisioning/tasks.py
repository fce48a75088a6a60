"""Jobs of the Kubernetes provisioner (see api/provisioning/kubernetes.py):
`sync_project_resource` {projectId} after each change, `sync_project_resources` every minute.

Kubernetes API failures (unreachable, 5xx, conflicts) are retried with backoff; a CR the API
refuses as invalid (4xx other than 409/429) marks the project `Failed` and is not retried."""

from __future__ import annotations

import logging
import uuid

from celery import Task
from urllib3.exceptions import HTTPError

from api.core.db import session_scope
from api.jobs.worker import celery_app
from api.models import Project
from api.provisioning.kubernetes import cr_client, sync_all, sync_project
from api.provisioning.project_cr import ProjectCRError
from api.settings import get_settings

log = logging.getLogger("wairo.provisioning")

RETRIES = 10  # backoff capped at 5 minutes


def _permanent(exc: Exception) -> bool:
    status = getattr(exc, "status", None)
    return isinstance(status, int) and 400 <= status < 500 and status not in (408, 409, 429)


@celery_app.task(name="sync_project_resource", bind=True, max_retries=RETRIES)
def sync_project_resource(self: Task, projectId: str) -> str:
    project_id = uuid.UUID(projectId)
    try:
        with session_scope() as session:
            return sync_project(session, project_id, cr_client())
    except (ProjectCRError, HTTPError) as exc:
        if _permanent(exc) or self.request.retries >= RETRIES:
            log.error("project %s: the Kubernetes API refused its Project: %s", projectId, exc)
            with session_scope() as session:
                project = session.get(Project, project_id)
                if project is not None:
                    project.provisioning_phase = "Failed"
            return "failed"
        log.warning("project %s: Kubernetes API unavailable, retrying: %s", projectId, exc)
        raise self.retry(exc=exc, countdown=min(2**self.request.retries, 300)) from exc


@celery_app.task(name="sync_project_resources")
def sync_project_resources() -> dict[str, int]:
    with session_scope() as session:
        return sync_all(session, cr_client()).as_dict()


if get_settings().kubernetes_enabled:
    celery_app.conf.beat_schedule["sync-project-resources"] = {
        "task": "sync_project_resources",
        "schedule": 60.0,
    }

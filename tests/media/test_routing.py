"""Queues: every processing job of a project with dedicated workers lands on the project's own
queue (`wairo.project.<id>`), whichever call site enqueued it; the rest stay on the shared one."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.jobs.outbox import enqueue_job
from api.jobs.routing import PROJECT_JOBS
from api.jobs.worker import celery_app
from api.models import OutboxMessage, Photo, Project, User
from tests.factories import Factory
from tests.support.http import bearer
from wairo_contracts.project import queue_name

# Registered tasks that never run on a project's queue, and why.
SHARED_TASKS = {
    "process_selfie": "a selfie belongs to a user, not a project",
    "delete_objects": "deletions outlive the project and its workers",
    "sweep_object": "an object no row claims belongs to no project",
    "sweep_storage": "beat, every bucket",
    "sync_project_resource": "the Kubernetes sync creates and removes the project's workers",
    "sync_project_resources": "beat, every project",
    "reconcile_uploads": "beat, every project",
    "sync_face_indexes": "beat, the indexes of every large project",
    "relay_outbox": "beat",
    "send_email": "mail",
    "process_stripe_event": "payments",
    "notify_purchase_confirmed": "mail about a purchase",
}

Payload = Callable[[Project, Photo, User], dict[str, Any]]
PAYLOADS: dict[str, Payload] = {
    "process_photo": lambda _, photo, __: {"photoId": str(photo.id)},
    "cluster_faces": lambda project, _, user: {"userId": str(user.id), "projectId": str(project.id)},
    "rematch_project": lambda project, _, __: {"projectId": str(project.id)},
}


def _queue(db: Session, dedup_key: str) -> str | None:
    (queue,) = db.scalars(select(OutboxMessage.queue).where(OutboxMessage.dedup_key == dedup_key)).all()
    return queue


def test_every_task_is_routed_and_project_jobs_reach_the_projects_queue(build: Factory, db: Session) -> None:
    celery_app.loader.import_default_modules()
    registered = {name for name in celery_app.tasks if not name.startswith("celery.")}
    assert registered == set(PROJECT_JOBS) | set(SHARED_TASKS)  # a new task must be classified
    assert set(PAYLOADS) == set(PROJECT_JOBS)

    dedicated, shared = build.tenant(dedicated_workers=2), build.tenant()
    user = build.user()
    for tenant in (dedicated, shared):
        photo = build.uploaded_photo(tenant)
        for task, payload in PAYLOADS.items():
            key = f"routing:{task}:{tenant.project.id}"
            enqueue_job(db, task, payload(tenant.project, photo, user), dedup_key=key)
    for task in PAYLOADS:
        assert _queue(db, f"routing:{task}:{dedicated.project.id}") == queue_name(str(dedicated.project.id))
        assert _queue(db, f"routing:{task}:{shared.project.id}") is None
    # A job that names a project but is not its processing stays on the shared queue.
    sync = f"routing:sync:{dedicated.project.id}"
    enqueue_job(db, "sync_project_resource", {"projectId": str(dedicated.project.id)}, dedup_key=sync)
    assert _queue(db, sync) is None


def test_call_sites_send_a_dedicated_projects_jobs_to_its_queue(
    media: TestClient, main_api: TestClient, build: Factory, db: Session
) -> None:
    """The call sites that used the shared queue: `:retry`, and `cluster_faces` after a join."""
    tenant = build.tenant(dedicated_workers=1, type="public")
    expected = queue_name(str(tenant.project.id))
    failed = build.uploaded_photo(tenant, status="failed")
    assert (
        media.post(f"/v1/photos/{failed.id}:retry", headers=bearer(tenant.operator_token)).status_code == 202
    )
    (retry,) = db.scalars(
        select(OutboxMessage).where(OutboxMessage.payload["photoId"].astext == str(failed.id))
    )
    assert (retry.task, retry.queue) == ("process_photo", expected)

    me = build.attendee()
    build.selfie(me)
    body = {"projectId": str(tenant.project.id), "termsAccepted": True}
    assert main_api.post("/v1/qr/join", json=body, headers=bearer(me.token)).status_code == 201
    matching = db.scalars(
        select(OutboxMessage.queue).where(
            OutboxMessage.task == "cluster_faces", OutboxMessage.payload["userId"].astext == str(me.id)
        )
    ).all()
    assert matching == [expected]

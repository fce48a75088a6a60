"""Provisioning through the `Project` custom resource (``WAIRO_KUBERNETES_ENABLED``).

A request only records what the project should be and queues `sync_project_resource`, sent after
its commit (a failed Kubernetes call never rolls back or fails the operator's request). The job
makes the project's CR agree with the row: created when absent, its lifecycle patched when the
status changed, deleted when the project is gone (the operator's finalizer then cleans up). It then
copies back what the cluster decides: `status.phase` as the project's provisioning phase, and
`spec.quota` (maxPhotos, maxStorageGi: platform admins edit them with kubectl) into
`projects.max_photos` / `max_storage_bytes`, which the media API enforces. The beat job
`sync_project_resources` does the same for every project each minute, in one LIST call.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from api.jobs.outbox import enqueue_job
from api.models import Project
from api.provisioning.project_cr import ProjectCRClient
from api.settings import get_settings
from wairo_contracts.kubeclient import load_api_client
from wairo_contracts.project import BACKOFFICE, CREATED_BY, Phase, build_project_resource, resource_name

log = logging.getLogger("wairo.provisioning")

GIB = 1024**3
SYNC_TASK = "sync_project_resource"


class KubernetesProvisioner:
    """Each change queues one sync of the project's CR (after commit, retried by the worker)."""

    def project_created(self, project: Project) -> None:
        # The bucket is named here, once, and given to the operator in the CR: objects never
        # move between buckets when the project becomes Ready.
        project.bucket = project.bucket or get_settings().s3.project_bucket(str(project.id))
        project.provisioning_phase = Phase.PENDING
        self._queue_sync(project)

    def status_changed(self, project: Project) -> None:
        self._queue_sync(project)

    def project_deleted(self, project: Project) -> None:
        self._queue_sync(project)

    def ready_for_uploads(self, phase: str) -> bool:
        return phase == Phase.READY

    @staticmethod
    def _queue_sync(project: Project) -> None:
        session = object_session(project)
        if session is None:
            raise RuntimeError("the project is not attached to a session")
        enqueue_job(session, SYNC_TASK, {"projectId": str(project.id)})


@lru_cache
def cr_client() -> ProjectCRClient:
    """The worker's client: ``WAIRO_KUBECONFIG`` when set, else in-cluster configuration, else
    the default kubeconfig."""
    return ProjectCRClient(load_api_client(kubeconfig=get_settings().kubeconfig))


def desired_resource(project: Project) -> dict[str, Any]:
    return build_project_resource(
        str(project.id), str(project.operator_id), project.name, project.status, bucket=project.bucket
    )


def apply_cluster_state(project: Project, resource: dict[str, Any]) -> None:
    """Copy the CR's phase, quota and dedicated workers onto the project row (a quota the CR
    leaves unset is kept)."""
    project.provisioning_phase = str((resource.get("status") or {}).get("phase") or Phase.PENDING)
    quota = (resource.get("spec") or {}).get("quota") or {}
    if quota.get("maxPhotos") is not None:
        project.max_photos = int(quota["maxPhotos"])
    if quota.get("maxStorageGi") is not None:
        project.max_storage_bytes = int(quota["maxStorageGi"]) * GIB
    processing = (resource.get("spec") or {}).get("processing") or {}
    project.dedicated_workers = int(processing.get("dedicatedWorkers") or 0)


def _reconcile(project: Project, resource: dict[str, Any] | None, crs: ProjectCRClient) -> str:
    """Create or patch the project's CR as needed; returns what was done."""
    action = "unchanged"
    if resource is None:
        resource, action = crs.create(desired_resource(project)), "created"
    elif (resource.get("spec") or {}).get("lifecycle") != project.status:
        resource, action = crs.patch_lifecycle(str(project.id), project.status), "patched"
    apply_cluster_state(project, resource)
    return action


def sync_project(session: Session, project_id: uuid.UUID, crs: ProjectCRClient) -> str:
    """Make one project's CR agree with its row (or delete it when the row is gone)."""
    project = session.get(Project, project_id, with_for_update=True)
    if project is None:
        return "deleted" if crs.delete(str(project_id)) else "absent"
    return _reconcile(project, crs.get(resource_name(str(project_id))), crs)


@dataclass(frozen=True, slots=True)
class SyncSummary:
    created: int
    patched: int
    unchanged: int
    deleted: int

    def as_dict(self) -> dict[str, int]:
        return {k: getattr(self, k) for k in self.__slots__}


def sync_all(session: Session, crs: ProjectCRClient) -> SyncSummary:
    """Every project against the cluster's CRs; CRs the backoffice made whose project is gone are
    deleted. The CRs are listed BEFORE the rows are read: a CR only exists once its project was
    committed, so a CR with no row really is an orphan."""
    resources: dict[str, dict[str, Any]] = {}
    for resource in crs.list():
        metadata = resource.get("metadata") or {}
        if (metadata.get("labels") or {}).get(CREATED_BY) == BACKOFFICE:  # selector, re-checked
            resources[str((resource.get("spec") or {}).get("projectId"))] = resource
    existing = {str(project_id) for project_id in session.scalars(select(Project.id))}
    counts = {"created": 0, "patched": 0, "unchanged": 0, "deleted": 0}
    # A project a request is changing right now (row locked) is skipped: its own sync job follows.
    for project in session.scalars(select(Project).order_by(Project.id).with_for_update(skip_locked=True)):
        counts[_reconcile(project, resources.get(str(project.id)), crs)] += 1
    for orphan in resources.keys() - existing:
        if crs.delete(orphan):
            counts["deleted"] += 1
    return SyncSummary(**counts)

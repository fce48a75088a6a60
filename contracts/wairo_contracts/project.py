"""The `Project` custom resource (group wairo.io): its names, labels, lifecycles, phases, quota
defaults and the body the backoffice creates. The CRD itself is `crds/project.yaml`; a test checks
the two agree. The operator reconciles these objects; the API creates, patches and reads them."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

GROUP = "wairo.io"
VERSION = "v1alpha1"
PLURAL = "projects"
KIND = "Project"
API_VERSION = f"{GROUP}/{VERSION}"

LIFECYCLES = ("draft", "live", "closed", "archived")

PART_OF = "app.kubernetes.io/part-of"
MANAGED_BY_LABEL = "app.kubernetes.io/managed-by"
CREATED_BY = "app.kubernetes.io/created-by"
MANAGED_BY = "wairo-operator"
BACKOFFICE = "wairo-backoffice"
BACKOFFICE_SELECTOR = f"{CREATED_BY}={BACKOFFICE}"
LABEL_PROJECT_ID = "wairo.io/project-id"
LABEL_OPERATOR_ID = "wairo.io/operator-id"
LABEL_LIFECYCLE = "wairo.io/lifecycle"
LABEL_PROJECT = "wairo.io/project"

NAMESPACE_PREFIX = "wairo-p-"
# The Celery app a project's dedicated workers run (in the API's image).
WORKER_CELERY_APP = "api.jobs.worker.celery_app"


class Phase(enum.StrEnum):
    """`status.phase`, set by the operator (the state machine is the operator's)."""

    PENDING = "Pending"
    PROVISIONING = "Provisioning"
    READY = "Ready"
    FAILED = "Failed"
    TERMINATING = "Terminating"


@dataclass(frozen=True, slots=True)
class Quota:
    """`spec.quota` with the CRD's defaults."""

    max_photos: int = 10_000
    max_storage_gi: int = 50
    max_members: int = 5_000
    cpu: str = "2"
    memory: str = "4Gi"
    gpu: int = 0


# Quota field -> its name in `spec.quota`.
QUOTA_FIELDS = {
    "max_photos": "maxPhotos",
    "max_storage_gi": "maxStorageGi",
    "max_members": "maxMembers",
    "cpu": "cpu",
    "memory": "memory",
    "gpu": "gpu",
}


def resource_name(project_id: str) -> str:
    """The Project CR's name: the project's UUID prefixed (DNS-1123 compliant)."""
    return f"project-{project_id}"


def namespace_name(project_id: str) -> str:
    return f"{NAMESPACE_PREFIX}{project_id}"


def queue_name(project_id: str) -> str:
    """The Celery queue a project's dedicated workers consume."""
    return f"wairo.project.{project_id}"


def check_lifecycle(lifecycle: str) -> str:
    if lifecycle not in LIFECYCLES:
        raise ValueError(f"lifecycle must be one of {', '.join(LIFECYCLES)}: {lifecycle!r}")
    return lifecycle


def build_project_resource(
    project_id: str,
    operator_id: str,
    display_name: str,
    lifecycle: str = "draft",
    *,
    max_photos: int | None = None,
    max_storage_gi: int | None = None,
    max_members: int | None = None,
    cpu: str | None = None,
    memory: str | None = None,
    gpu: int | None = None,
    bucket: str | None = None,
    retention_days: int | None = None,
    dedicated_workers: int | None = None,
) -> dict[str, Any]:
    """A `Project` body; unset quota/storage/processing fields are left to the CRD's defaults."""
    given = {
        "max_photos": max_photos,
        "max_storage_gi": max_storage_gi,
        "max_members": max_members,
        "cpu": cpu,
        "memory": memory,
        "gpu": gpu,
    }
    spec: dict[str, Any] = {
        "projectId": project_id,
        "operatorId": operator_id,
        "displayName": display_name,
        "lifecycle": check_lifecycle(lifecycle),
    }
    quota = {QUOTA_FIELDS[key]: value for key, value in given.items() if value is not None}
    if quota:
        spec["quota"] = quota
    storage: dict[str, Any] = {}
    if bucket is not None:
        storage["bucket"] = bucket
    if retention_days is not None:
        storage["retentionDays"] = retention_days
    if storage:
        spec["storage"] = storage
    if dedicated_workers is not None:
        spec["processing"] = {"dedicatedWorkers": dedicated_workers}
    return {
        "apiVersion": API_VERSION,
        "kind": KIND,
        "metadata": {
            "name": resource_name(project_id),
            "labels": {
                PART_OF: "wairo",
                CREATED_BY: BACKOFFICE,
                LABEL_PROJECT_ID: project_id,
                LABEL_OPERATOR_ID: operator_id,
            },
        },
        "spec": spec,
    }

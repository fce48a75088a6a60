"""The `Project` custom resource as the backoffice API sees it: build, create, patch, delete, read.

The backoffice API calls this when Kubernetes integration is enabled (``WAIRO_KUBERNETES_ENABLED``);
otherwise a local provisioner creates buckets directly. Only this module is imported by the API.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kubernetes import client
from kubernetes.client.exceptions import ApiException

from . import API_VERSION, GROUP, KIND, PLURAL, VERSION
from .builders import LABEL_OPERATOR_ID, LABEL_PROJECT_ID, LIFECYCLES, MANAGED_BY
from .kube import load_api_client

_QUOTA_FIELDS = {
    "max_photos": "maxPhotos",
    "max_storage_gi": "maxStorageGi",
    "max_members": "maxMembers",
    "cpu": "cpu",
    "memory": "memory",
    "gpu": "gpu",
}


CREATED_BY = "app.kubernetes.io/created-by"
BACKOFFICE_SELECTOR = f"{CREATED_BY}=wairo-backoffice"


def project_resource_name(project_id: str) -> str:
    """The Project CR's name: the project's UUID prefixed (DNS-1123 compliant)."""
    return f"project-{project_id}"


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
    if lifecycle not in LIFECYCLES:
        raise ValueError(f"lifecycle must be one of {', '.join(LIFECYCLES)}: {lifecycle!r}")
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
        "lifecycle": lifecycle,
    }
    quota = {_QUOTA_FIELDS[key]: value for key, value in given.items() if value is not None}
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
            "name": project_resource_name(project_id),
            "labels": {
                "app.kubernetes.io/part-of": "wairo",
                CREATED_BY: "wairo-backoffice",
                LABEL_PROJECT_ID: project_id,
                LABEL_OPERATOR_ID: operator_id,
            },
        },
        "spec": spec,
    }


class ProjectCRError(RuntimeError):
    """The Kubernetes API refused or failed a Project operation."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


def _error(action: str, exc: ApiException) -> ProjectCRError:
    return ProjectCRError(f"cannot {action}: {exc.status} {exc.reason}", exc.status)


class ProjectCRClient:
    """Create / patch lifecycle / delete / read the phase of Project CRs (cluster-scoped)."""

    def __init__(self, api_client: client.ApiClient | None = None) -> None:
        self._api = client.CustomObjectsApi(api_client or load_api_client())

    def create(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """Create the Project; an existing one with the same name is returned unchanged (idempotent)."""
        name = body["metadata"]["name"]
        try:
            created: dict[str, Any] | None = self._api.create_cluster_custom_object(
                GROUP, VERSION, PLURAL, dict(body)
            )
        except ApiException as exc:
            if exc.status == 409:
                return self.get(name) or {}
            raise _error("create Project", exc) from exc
        # The generated client only decodes a 201 answer; read the object back after any other 2xx.
        return created or self.get(name) or {}

    def get(self, name: str) -> dict[str, Any] | None:
        try:
            found: dict[str, Any] = self._api.get_cluster_custom_object(GROUP, VERSION, PLURAL, name)
        except ApiException as exc:
            if exc.status == 404:
                return None
            raise _error(f"read Project {name}", exc) from exc
        return found

    def list(self, label_selector: str = BACKOFFICE_SELECTOR) -> list[dict[str, Any]]:
        """Every Project matching the selector (by default: those the backoffice created)."""
        try:
            found = self._api.list_cluster_custom_object(
                GROUP, VERSION, PLURAL, label_selector=label_selector
            )
        except ApiException as exc:
            raise _error("list Projects", exc) from exc
        items: list[dict[str, Any]] = found.get("items") or []
        return items

    def patch_spec(self, project_id: str, changes: Mapping[str, Any]) -> dict[str, Any]:
        name = project_resource_name(project_id)
        try:
            patched: dict[str, Any] = self._api.patch_cluster_custom_object(
                GROUP, VERSION, PLURAL, name, {"spec": dict(changes)}
            )
        except ApiException as exc:
            raise _error(f"patch Project {name}", exc) from exc
        return patched

    def patch_lifecycle(self, project_id: str, lifecycle: str) -> dict[str, Any]:
        if lifecycle not in LIFECYCLES:
            raise ValueError(f"lifecycle must be one of {', '.join(LIFECYCLES)}: {lifecycle!r}")
        return self.patch_spec(project_id, {"lifecycle": lifecycle})

    def delete(self, project_id: str) -> bool:
        """Delete the Project (the operator's finalizer cleans up); False when already absent."""
        name = project_resource_name(project_id)
        try:
            self._api.delete_cluster_custom_object(GROUP, VERSION, PLURAL, name)
        except ApiException as exc:
            if exc.status == 404:
                return False
            raise _error(f"delete Project {name}", exc) from exc
        return True

    def phase(self, project_id: str) -> str | None:
        """status.phase of the project's CR (None when absent or not reconciled yet)."""
        found = self.get(project_resource_name(project_id))
        if found is None:
            return None
        phase = (found.get("status") or {}).get("phase")
        return str(phase) if phase else None


__all__ = [
    "BACKOFFICE_SELECTOR",
    "MANAGED_BY",
    "ProjectCRClient",
    "ProjectCRError",
    "build_project_resource",
    "project_resource_name",
]

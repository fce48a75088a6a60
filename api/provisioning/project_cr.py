"""The backoffice's client of `Project` custom resources (cluster-scoped): create, read, list,
patch and delete them. The resource itself is `wairo_contracts.project`'s; the operator
reconciles it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kubernetes import client
from kubernetes.client.exceptions import ApiException

from wairo_contracts.kubeclient import load_api_client
from wairo_contracts.project import (
    BACKOFFICE_SELECTOR,
    GROUP,
    PLURAL,
    VERSION,
    check_lifecycle,
    resource_name,
)


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
        name = resource_name(project_id)
        try:
            patched: dict[str, Any] = self._api.patch_cluster_custom_object(
                GROUP, VERSION, PLURAL, name, {"spec": dict(changes)}
            )
        except ApiException as exc:
            raise _error(f"patch Project {name}", exc) from exc
        return patched

    def patch_lifecycle(self, project_id: str, lifecycle: str) -> dict[str, Any]:
        return self.patch_spec(project_id, {"lifecycle": check_lifecycle(lifecycle)})

    def delete(self, project_id: str) -> bool:
        """Delete the Project (the operator's finalizer cleans up); False when already absent."""
        name = resource_name(project_id)
        try:
            self._api.delete_cluster_custom_object(GROUP, VERSION, PLURAL, name)
        except ApiException as exc:
            if exc.status == 404:
                return False
            raise _error(f"delete Project {name}", exc) from exc
        return True

    def phase(self, project_id: str) -> str | None:
        """status.phase of the project's CR (None when absent or not reconciled yet)."""
        found = self.get(resource_name(project_id))
        if found is None:
            return None
        phase = (found.get("status") or {}).get("phase")
        return str(phase) if phase else None

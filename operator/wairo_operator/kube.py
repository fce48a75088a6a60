"""Kubernetes API access for the operator's children: read, create when absent, patch when different."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kubernetes import client
from kubernetes.client.exceptions import ApiException

from .builders import K8sObject, desired_patch, is_subset


class KubeError(RuntimeError):
    """An API failure worth retrying (conflicts, server errors, throttling)."""


def _is_missing(exc: ApiException) -> bool:
    return exc.status == 404


class Children:
    """Idempotent operations on the namespaced (and namespace) children of a Project."""

    def __init__(self, api_client: client.ApiClient) -> None:
        self._api = api_client
        self.core = client.CoreV1Api(api_client)
        self.apps = client.AppsV1Api(api_client)

    def _to_dict(self, obj: Any) -> K8sObject:
        result: K8sObject = self._api.sanitize_for_serialization(obj)
        return result

    def _ensure(
        self,
        desired: K8sObject,
        read: Callable[[], Any],
        create: Callable[[K8sObject], Any],
        patch: Callable[[K8sObject], Any],
    ) -> str:
        """Create `desired` if absent, patch it if it differs; returns created | patched | unchanged."""
        try:
            try:
                current = self._to_dict(read())
            except ApiException as exc:
                if not _is_missing(exc):
                    raise
                try:
                    create(desired)
                except ApiException as create_exc:
                    if create_exc.status != 409:  # created concurrently: converge on the next pass
                        raise
                return "created"
            wanted = desired_patch(desired)
            if is_subset(wanted, current):
                return "unchanged"
            patch(wanted)
            return "patched"
        except ApiException as exc:
            what = f"{desired['kind']} {desired['metadata']['name']}"
            raise KubeError(f"{what}: {exc.status} {exc.reason}") from exc

    def ensure_namespace(self, desired: K8sObject) -> str:
        name = desired["metadata"]["name"]
        return self._ensure(
            desired,
            read=lambda: self.core.read_namespace(name),
            create=lambda body: self.core.create_namespace(body),
            patch=lambda body: self.core.patch_namespace(name, body),
        )

    def ensure_resource_quota(self, desired: K8sObject) -> str:
        name, namespace = desired["metadata"]["name"], desired["metadata"]["namespace"]
        return self._ensure(
            desired,
            read=lambda: self.core.read_namespaced_resource_quota(name, namespace),
            create=lambda body: self.core.create_namespaced_resource_quota(namespace, body),
            patch=lambda body: self.core.patch_namespaced_resource_quota(name, namespace, body),
        )

    def ensure_limit_range(self, desired: K8sObject) -> str:
        name, namespace = desired["metadata"]["name"], desired["metadata"]["namespace"]
        return self._ensure(
            desired,
            read=lambda: self.core.read_namespaced_limit_range(name, namespace),
            create=lambda body: self.core.create_namespaced_limit_range(namespace, body),
            patch=lambda body: self.core.patch_namespaced_limit_range(name, namespace, body),
        )

    def ensure_secret(self, desired: K8sObject) -> str:
        name, namespace = desired["metadata"]["name"], desired["metadata"]["namespace"]
        return self._ensure(
            desired,
            read=lambda: self.core.read_namespaced_secret(name, namespace),
            create=lambda body: self.core.create_namespaced_secret(namespace, body),
            patch=lambda body: self.core.patch_namespaced_secret(name, namespace, body),
        )

    def ensure_deployment(self, desired: K8sObject) -> str:
        name, namespace = desired["metadata"]["name"], desired["metadata"]["namespace"]
        return self._ensure(
            desired,
            read=lambda: self.apps.read_namespaced_deployment(name, namespace),
            create=lambda body: self.apps.create_namespaced_deployment(namespace, body),
            patch=lambda body: self.apps.patch_namespaced_deployment(name, namespace, body),
        )

    def read_secret(self, name: str, namespace: str) -> K8sObject | None:
        try:
            return self._to_dict(self.core.read_namespaced_secret(name, namespace))
        except ApiException as exc:
            if _is_missing(exc):
                return None
            raise KubeError(f"Secret {namespace}/{name}: {exc.status} {exc.reason}") from exc

    def delete_deployment(self, name: str, namespace: str) -> bool:
        try:
            self.apps.delete_namespaced_deployment(name, namespace)
        except ApiException as exc:
            if _is_missing(exc):
                return False
            raise KubeError(f"Deployment {namespace}/{name}: {exc.status} {exc.reason}") from exc
        return True

    def delete_namespace(self, name: str) -> bool:
        try:
            self.core.delete_namespace(name)
        except ApiException as exc:
            if _is_missing(exc):
                return False
            raise KubeError(f"Namespace {name}: {exc.status} {exc.reason}") from exc
        return True

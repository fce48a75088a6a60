"""Pure functions: Project spec → desired child objects, bucket configuration, status.

Nothing here talks to Kubernetes or S3, so everything is unit-testable with plain dicts.
"""

from __future__ import annotations

import datetime
import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from wairo_contracts.project import (
    LABEL_LIFECYCLE,
    LABEL_OPERATOR_ID,
    LABEL_PROJECT,
    LABEL_PROJECT_ID,
    LIFECYCLES,
    MANAGED_BY,
    MANAGED_BY_LABEL,
    PART_OF,
    WORKER_CELERY_APP,
    Phase,
    Quota,
    namespace_name,
    queue_name,
)
from wairo_contracts.storage import S3Settings

WORKER_NAME = "wairo-worker"
WORKER_ENV_SECRET = "wairo-worker-env"
QUOTA_NAME = "wairo-project-quota"
LIMIT_RANGE_NAME = "wairo-project-limits"

_BUCKET_RE = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_CPU_RE = re.compile(r"^([0-9]+(\.[0-9]+)?|[0-9]+m)$")
_MEMORY_RE = re.compile(r"^[0-9]+(\.[0-9]+)?(Ki|Mi|Gi|Ti|k|M|G|T)?$")

K8sObject = dict[str, Any]


class InvalidSpecError(ValueError):
    """The Project's spec cannot be reconciled (the handlers turn it into kopf.PermanentError)."""


@dataclass(frozen=True, slots=True)
class ProjectSpec:
    """The validated, defaulted spec of a Project."""

    project_id: str
    operator_id: str
    display_name: str
    lifecycle: str
    quota: Quota
    bucket: str | None
    retention_days: int | None
    dedicated_workers: int

    @property
    def namespace(self) -> str:
        return namespace_name(self.project_id)

    @property
    def queue(self) -> str:
        return queue_name(self.project_id)

    def bucket_name(self, s3: S3Settings) -> str:
        return self.bucket or s3.project_bucket(self.project_id)


def _uuid(value: object, field: str) -> str:
    if not isinstance(value, str):
        raise InvalidSpecError(f"spec.{field} is required and must be a UUID string")
    try:
        parsed = uuid.UUID(value)
    except ValueError as exc:
        raise InvalidSpecError(f"spec.{field} is not a UUID: {value!r}") from exc
    if str(parsed) != value:
        raise InvalidSpecError(f"spec.{field} must be a lower-case, hyphenated UUID: {value!r}")
    return value


def _non_negative_int(value: object, field: str, default: int) -> int:
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidSpecError(f"spec.{field} must be a non-negative integer, got {value!r}")
    return value


def _quantity(value: object, field: str, default: str, pattern: re.Pattern[str]) -> str:
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int | str) or not pattern.match(str(value)):
        raise InvalidSpecError(f"spec.{field} is not a valid quantity: {value!r}")
    return str(value)


def parse_spec(spec: Mapping[str, Any]) -> ProjectSpec:
    """Validate and default a Project spec (the CRD validates too; this guards against old objects)."""
    project_id = _uuid(spec.get("projectId"), "projectId")
    operator_id = _uuid(spec.get("operatorId"), "operatorId")
    display_name = spec.get("displayName")
    if not isinstance(display_name, str) or not display_name.strip():
        raise InvalidSpecError("spec.displayName is required")
    lifecycle = spec.get("lifecycle") or "draft"
    if lifecycle not in LIFECYCLES:
        raise InvalidSpecError(f"spec.lifecycle must be one of {', '.join(LIFECYCLES)}: {lifecycle!r}")

    raw_quota: Mapping[str, Any] = spec.get("quota") or {}
    defaults = Quota()
    quota = Quota(
        max_photos=_non_negative_int(raw_quota.get("maxPhotos"), "quota.maxPhotos", defaults.max_photos),
        max_storage_gi=_non_negative_int(
            raw_quota.get("maxStorageGi"), "quota.maxStorageGi", defaults.max_storage_gi
        ),
        max_members=_non_negative_int(raw_quota.get("maxMembers"), "quota.maxMembers", defaults.max_members),
        cpu=_quantity(raw_quota.get("cpu"), "quota.cpu", defaults.cpu, _CPU_RE),
        memory=_quantity(raw_quota.get("memory"), "quota.memory", defaults.memory, _MEMORY_RE),
        gpu=_non_negative_int(raw_quota.get("gpu"), "quota.gpu", defaults.gpu),
    )

    storage: Mapping[str, Any] = spec.get("storage") or {}
    bucket = storage.get("bucket")
    if bucket is not None and (not isinstance(bucket, str) or not _BUCKET_RE.match(bucket)):
        raise InvalidSpecError(f"spec.storage.bucket is not a valid bucket name: {bucket!r}")
    retention = storage.get("retentionDays")
    retention_days = None if retention is None else _non_negative_int(retention, "storage.retentionDays", 0)

    processing: Mapping[str, Any] = spec.get("processing") or {}
    workers = _non_negative_int(processing.get("dedicatedWorkers"), "processing.dedicatedWorkers", 0)

    return ProjectSpec(
        project_id=project_id,
        operator_id=operator_id,
        display_name=display_name,
        lifecycle=lifecycle,
        quota=quota,
        bucket=bucket,
        retention_days=retention_days or None,
        dedicated_workers=workers,
    )


# --------------------------------------------------------------------------------------------------
# Child objects


def project_labels(project: ProjectSpec) -> dict[str, str]:
    return {
        MANAGED_BY_LABEL: MANAGED_BY,
        PART_OF: "wairo",
        LABEL_PROJECT_ID: project.project_id,
        LABEL_OPERATOR_ID: project.operator_id,
        LABEL_LIFECYCLE: project.lifecycle,
    }


def build_namespace(project: ProjectSpec, cr_name: str) -> K8sObject:
    labels = project_labels(project) | {
        LABEL_PROJECT: cr_name,
        # Project workloads are untrusted-ish tenants: enforce the restricted Pod Security Standard.
        "pod-security.kubernetes.io/enforce": "restricted",
    }
    return {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {"name": project.namespace, "labels": labels},
    }


def build_resource_quota(project: ProjectSpec) -> K8sObject:
    quota = project.quota
    hard: dict[str, str] = {
        "requests.cpu": quota.cpu,
        "limits.cpu": quota.cpu,
        "requests.memory": quota.memory,
        "limits.memory": quota.memory,
        "requests.nvidia.com/gpu": str(quota.gpu),
        "pods": str(max(10, 2 * project.dedicated_workers + 5)),
        "count/deployments.apps": "5",
        "services.loadbalancers": "0",
        "services.nodeports": "0",
    }
    return {
        "apiVersion": "v1",
        "kind": "ResourceQuota",
        "metadata": {"name": QUOTA_NAME, "namespace": project.namespace, "labels": project_labels(project)},
        "spec": {"hard": hard},
    }


def build_limit_range(project: ProjectSpec) -> K8sObject:
    return {
        "apiVersion": "v1",
        "kind": "LimitRange",
        "metadata": {
            "name": LIMIT_RANGE_NAME,
            "namespace": project.namespace,
            "labels": project_labels(project),
        },
        "spec": {
            "limits": [
                {
                    "type": "Container",
                    "defaultRequest": {"cpu": "100m", "memory": "256Mi"},
                    "default": {"cpu": "1", "memory": "1Gi"},
                    "max": {"cpu": project.quota.cpu, "memory": project.quota.memory},
                }
            ]
        },
    }


def build_worker_deployment(
    project: ProjectSpec,
    *,
    image: str,
    service_account: str = "",
    env_secret: str | None = WORKER_ENV_SECRET,
) -> K8sObject:
    """A Celery worker consuming only the project's own queue (processing.dedicatedWorkers > 0)."""
    labels = project_labels(project) | {"app.kubernetes.io/name": WORKER_NAME}
    selector = {"app.kubernetes.io/name": WORKER_NAME, LABEL_PROJECT_ID: project.project_id}
    container: K8sObject = {
        "name": "worker",
        "image": image,
        "command": ["celery", "-A", WORKER_CELERY_APP, "worker"],
        "args": ["--queues", project.queue, "--loglevel", "INFO", "--concurrency", "2"],
        "env": [
            {"name": "WAIRO_ENV", "value": "production"},
            {"name": "WAIRO_WORKER_QUEUE", "value": project.queue},
            {"name": "WAIRO_PROJECT_ID", "value": project.project_id},
        ],
        "resources": {
            "requests": {"cpu": "250m", "memory": "512Mi"},
            "limits": {"cpu": "1", "memory": "1Gi"},
        },
        "securityContext": {
            "allowPrivilegeEscalation": False,
            "readOnlyRootFilesystem": True,
            "runAsNonRoot": True,
            "capabilities": {"drop": ["ALL"]},
        },
        "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"}],
    }
    if env_secret:
        container["envFrom"] = [{"secretRef": {"name": env_secret, "optional": True}}]
    pod_spec: K8sObject = {
        "automountServiceAccountToken": False,
        "securityContext": {
            "runAsNonRoot": True,
            "runAsUser": 10001,
            "runAsGroup": 10001,
            "fsGroup": 10001,
            "seccompProfile": {"type": "RuntimeDefault"},
        },
        "containers": [container],
        "volumes": [{"name": "tmp", "emptyDir": {}}],
    }
    if service_account:
        pod_spec["serviceAccountName"] = service_account
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": WORKER_NAME, "namespace": project.namespace, "labels": labels},
        "spec": {
            "replicas": project.dedicated_workers,
            "selector": {"matchLabels": selector},
            "template": {"metadata": {"labels": labels}, "spec": pod_spec},
        },
    }


def build_mirrored_secret(project: ProjectSpec, source: Mapping[str, Any]) -> K8sObject:
    """A copy of the worker environment Secret (from the operator's namespace) for the project."""
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "type": "Opaque",
        "metadata": {
            "name": WORKER_ENV_SECRET,
            "namespace": project.namespace,
            "labels": project_labels(project),
        },
        "data": dict(source.get("data") or {}),
    }


# --------------------------------------------------------------------------------------------------
# Bucket configuration (boto3 shapes)


def build_lifecycle_configuration(abort_multipart_days: int, retention_days: int | None) -> dict[str, Any]:
    """Abort stale multipart uploads; expire objects after retentionDays when set."""
    rules: list[dict[str, Any]] = [
        {
            "ID": "abort-stale-multipart-uploads",
            "Status": "Enabled",
            "Filter": {"Prefix": ""},
            "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": abort_multipart_days},
        }
    ]
    if retention_days:
        rules.append(
            {
                "ID": "retention",
                "Status": "Enabled",
                "Filter": {"Prefix": ""},
                "Expiration": {"Days": retention_days},
            }
        )
    return {"Rules": rules}


def bucket_may_be_removed(project: ProjectSpec) -> bool:
    """On delete, the bucket is emptied and removed only when no retention period protects it."""
    return not project.retention_days


# --------------------------------------------------------------------------------------------------
# Status: phase state machine and conditions


TRANSITIONS: dict[Phase | None, frozenset[Phase]] = {
    # A first reconcile may finish in one pass: Pending (or no status yet) goes straight to Ready.
    None: frozenset(set(Phase)),
    Phase.PENDING: frozenset({Phase.PROVISIONING, Phase.READY, Phase.FAILED, Phase.TERMINATING}),
    Phase.PROVISIONING: frozenset({Phase.PROVISIONING, Phase.READY, Phase.FAILED, Phase.TERMINATING}),
    Phase.READY: frozenset({Phase.READY, Phase.PROVISIONING, Phase.FAILED, Phase.TERMINATING}),
    Phase.FAILED: frozenset({Phase.FAILED, Phase.PROVISIONING, Phase.TERMINATING}),
    Phase.TERMINATING: frozenset({Phase.TERMINATING}),
}


class InvalidTransitionError(RuntimeError):
    pass


def parse_phase(value: object) -> Phase | None:
    try:
        return Phase(str(value)) if value else None
    except ValueError:
        return None


def transition(current: Phase | None, target: Phase) -> Phase:
    """Validate a phase change.

    Pending → Provisioning (while a pass fails temporarily) → Ready | Failed; Ready and Failed go back
    to Provisioning on errors after a spec change; every phase may move to Terminating, and
    Terminating is final.
    """
    if target not in TRANSITIONS[current]:
        raise InvalidTransitionError(f"phase {current} cannot move to {target}")
    return target


def _now() -> str:
    return datetime.datetime.now(tz=datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def condition(
    type_: str, ok: bool | None, reason: str, message: str, generation: int | None
) -> dict[str, Any]:
    status = "Unknown" if ok is None else ("True" if ok else "False")
    result: dict[str, Any] = {"type": type_, "status": status, "reason": reason, "message": message}
    if generation is not None:
        result["observedGeneration"] = generation
    return result


def merge_conditions(
    existing: Sequence[Mapping[str, Any]] | None, updates: list[dict[str, Any]], now: str | None = None
) -> list[dict[str, Any]]:
    """Replace conditions by type, keeping lastTransitionTime when the status did not change."""
    now = now or _now()
    by_type: dict[str, dict[str, Any]] = {str(c.get("type")): dict(c) for c in existing or []}
    for update in updates:
        previous = by_type.get(update["type"])
        merged = dict(update)
        if previous is not None and previous.get("status") == update["status"]:
            merged["lastTransitionTime"] = previous.get("lastTransitionTime") or now
        else:
            merged["lastTransitionTime"] = now
        by_type[update["type"]] = merged
    order = {"Ready": 0, "BucketReady": 1, "QuotaReady": 2}
    return sorted(by_type.values(), key=lambda c: (order.get(str(c["type"]), 9), str(c["type"])))


# --------------------------------------------------------------------------------------------------
# Idempotency helpers


def is_subset(desired: Any, actual: Any) -> bool:
    """Whether every field of `desired` is present and equal in `actual` (server-added fields ignored)."""
    if isinstance(desired, Mapping):
        if not isinstance(actual, Mapping):
            return False
        return all(key in actual and is_subset(value, actual[key]) for key, value in desired.items())
    if isinstance(desired, list):
        if not isinstance(actual, list) or len(desired) != len(actual):
            return False
        return all(is_subset(d, a) for d, a in zip(desired, actual, strict=True))
    return bool(desired == actual)


def desired_patch(desired: K8sObject) -> K8sObject:
    """The part of a desired object the operator owns and patches (labels + spec-like fields)."""
    patch: K8sObject = {"metadata": {"labels": dict(desired.get("metadata", {}).get("labels") or {})}}
    for key in ("spec", "data", "type"):
        if key in desired:
            patch[key] = desired[key]
    return patch

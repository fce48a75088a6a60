"""Kopf handlers reconciling `Project` resources (registered on an explicit registry).

A project becomes: namespace ``wairo-p-<projectId>`` (labelled), a ResourceQuota and a LimitRange
from ``spec.quota``, a bucket with CORS and lifecycle rules, and — when
``spec.processing.dedicatedWorkers > 0`` — a worker Deployment consuming the project's own queue.
Every step reads first and creates or patches only what differs, so re-running changes nothing.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable, Mapping
from typing import Any

import kopf
from kubernetes import client

from wairo_contracts.keys import project_photos_prefix
from wairo_contracts.kubeclient import load_api_client
from wairo_contracts.project import GROUP, PLURAL, VERSION
from wairo_contracts.storage import bucket_cors_configuration

from .builders import (
    WORKER_ENV_SECRET,
    WORKER_NAME,
    InvalidSpecError,
    InvalidTransitionError,
    Phase,
    ProjectSpec,
    bucket_may_be_removed,
    build_lifecycle_configuration,
    build_limit_range,
    build_mirrored_secret,
    build_namespace,
    build_resource_quota,
    build_worker_deployment,
    condition,
    merge_conditions,
    parse_phase,
    parse_spec,
    transition,
)
from .config import OperatorConfig
from .kube import Children, KubeError
from .storage import BucketManager, S3Client, StorageError, operator_s3_client

FINALIZER = "wairo.io/project-cleanup"
MAX_BACKOFF_S = 300.0


def backoff(retry: int, base: float = 5.0) -> float:
    """Exponential backoff for TemporaryError: 5, 10, 20, ... seconds, capped at 5 minutes."""
    return float(min(MAX_BACKOFF_S, base * (2 ** max(0, retry))))


class ProjectOperator:
    """The reconciler. Holds its settings and (lazily created) Kubernetes and S3 clients."""

    def __init__(
        self,
        config: OperatorConfig,
        *,
        api_client_factory: Callable[[], client.ApiClient] = load_api_client,
        s3_client: S3Client | None = None,
    ) -> None:
        self.config = config
        self._api_client_factory = api_client_factory
        self._s3_client = s3_client
        self._children: Children | None = None
        self._buckets: BucketManager | None = None

    @property
    def children(self) -> Children:
        if self._children is None:
            self._children = Children(self._api_client_factory())
        return self._children

    @property
    def buckets(self) -> BucketManager:
        if self._buckets is None:
            s3 = self._s3_client or operator_s3_client(self.config.s3)
            self._buckets = BucketManager(s3, region=self.config.s3.region)
        return self._buckets

    def register(self, registry: kopf.OperatorRegistry) -> None:
        resource = (GROUP, VERSION, PLURAL)
        kopf.on.startup(registry=registry)(self.configure)
        kopf.on.probe(id="clients", registry=registry)(self.probe)
        kopf.on.create(*resource, registry=registry, id="reconcile-create")(self.reconcile)
        kopf.on.update(*resource, registry=registry, id="reconcile-update")(self.reconcile)
        kopf.on.resume(*resource, registry=registry, id="reconcile-resume")(self.reconcile)
        kopf.on.delete(*resource, registry=registry, id="cleanup")(self.cleanup)
        kopf.timer(
            *resource,
            registry=registry,
            id="usage",
            interval=self.config.operator_usage_interval_s,
            initial_delay=min(30.0, self.config.operator_usage_interval_s),
            when=lambda status, **_: status.get("phase") == Phase.READY,
        )(self.usage)

    # ---------------------------------------------------------------------------------------------
    # Activities

    def configure(self, settings: kopf.OperatorSettings, **_: Any) -> None:
        """Tune kopf: own finalizer name, watch timeouts, event posting, retries."""
        settings.persistence.finalizer = FINALIZER
        settings.persistence.progress_storage = kopf.AnnotationsProgressStorage(prefix="wairo.io")
        settings.persistence.diffbase_storage = kopf.AnnotationsDiffBaseStorage(
            prefix="wairo.io", key="last-handled-configuration"
        )
        # Reconnect watches regularly (server side) and never hang forever on a silent stream.
        settings.watching.server_timeout = 270
        settings.watching.client_timeout = 300
        settings.watching.connect_timeout = 30
        settings.networking.request_timeout = 60
        settings.networking.error_backoffs = [1, 2, 5, 10, 30]
        # Kubernetes Events for warnings and errors only; INFO goes to the log.
        settings.posting.level = logging.WARNING
        settings.posting.reporting_component = "wairo-operator"
        settings.execution.max_workers = 8
        settings.queueing.error_delays = [1, 2, 5, 10, 30, 60, 120]

    def probe(self, **_: Any) -> dict[str, Any]:
        """Liveness detail (kopf --liveness): the clients are constructible."""
        return {"kubernetes": self.children is not None, "storage": self.buckets is not None}

    # ---------------------------------------------------------------------------------------------
    # Reconciliation

    def reconcile(
        self,
        spec: Mapping[str, Any],
        name: str,
        meta: Mapping[str, Any],
        status: Mapping[str, Any],
        body: kopf.Body,
        patch: kopf.Patch,
        retry: int,
        logger: logging.Logger | logging.LoggerAdapter[logging.Logger],
        **_: Any,
    ) -> None:
        generation = meta.get("generation")
        current = parse_phase(status.get("phase"))
        try:
            project = parse_spec(spec)
        except InvalidSpecError as exc:
            self._write_status(
                patch, status, current, Phase.FAILED, generation, message=str(exc),
                conditions=[condition("Ready", False, "InvalidSpec", str(exc), generation)],
            )  # fmt: skip
            raise kopf.PermanentError(str(exc)) from exc

        bucket = project.bucket_name(self.config.s3)
        patch.status["namespace"] = project.namespace
        patch.status["bucket"] = bucket

        # 1. Namespace, quota and limits.
        try:
            results = {"namespace": self.children.ensure_namespace(build_namespace(project, name))}
            quota, limits = build_resource_quota(project), build_limit_range(project)
            kopf.adopt([quota, limits], owner=body)
            results["quota"] = self.children.ensure_resource_quota(quota)
            results["limitRange"] = self.children.ensure_limit_range(limits)
        except KubeError as exc:
            self._write_status(
                patch, status, current, Phase.PROVISIONING, generation, message=str(exc),
                conditions=[
                    condition("QuotaReady", False, "ApiError", str(exc), generation),
                    condition("Ready", False, "Provisioning", "waiting for the namespace", generation),
                ],
            )  # fmt: skip
            raise kopf.TemporaryError(str(exc), delay=backoff(retry)) from exc

        # 2. Bucket, CORS, lifecycle.
        try:
            changed = self.buckets.ensure(
                bucket,
                cors=bucket_cors_configuration(self.config.cors_origins),
                lifecycle=build_lifecycle_configuration(
                    self.config.operator_abort_multipart_days, project.retention_days
                ),
            )
            results["bucket"] = ",".join(changed) or "unchanged"
        except StorageError as exc:
            self._write_status(
                patch, status, current, Phase.PROVISIONING, generation, message=str(exc),
                conditions=[
                    condition("QuotaReady", True, "Applied", "quota and limits applied", generation),
                    condition("BucketReady", False, "StorageError", str(exc), generation),
                    condition("Ready", False, "Provisioning", "waiting for the bucket", generation),
                ],
            )  # fmt: skip
            raise kopf.TemporaryError(str(exc), delay=backoff(retry)) from exc

        # 3. Dedicated workers (created, scaled, or removed when back to zero).
        try:
            results["workers"] = self._reconcile_workers(project, body)
        except KubeError as exc:
            raise kopf.TemporaryError(str(exc), delay=backoff(retry)) from exc

        self._write_status(
            patch, status, current, Phase.READY, generation, message="",
            conditions=[
                condition("Ready", True, "Provisioned", "namespace, quota and bucket are ready", generation),
                condition("BucketReady", True, "Provisioned", f"bucket {bucket} is configured", generation),
                condition("QuotaReady", True, "Applied", "quota and limits applied", generation),
            ],
        )  # fmt: skip
        logger.info("Project %s reconciled: %s", project.project_id, results)

    def _reconcile_workers(self, project: ProjectSpec, body: kopf.Body) -> str:
        if project.dedicated_workers <= 0:
            removed = self.children.delete_deployment(WORKER_NAME, project.namespace)
            return "removed" if removed else "none"
        env_secret: str | None = None
        if self.config.operator_worker_env_secret:
            source = self.children.read_secret(
                self.config.operator_worker_env_secret, self.config.operator_namespace
            )
            if source is not None:
                secret = build_mirrored_secret(project, source)
                kopf.adopt(secret, owner=body)
                self.children.ensure_secret(secret)
                env_secret = WORKER_ENV_SECRET
        deployment = build_worker_deployment(
            project,
            image=self.config.operator_worker_image,
            service_account=self.config.operator_worker_service_account,
            env_secret=env_secret,
        )
        kopf.adopt(deployment, owner=body)
        return self.children.ensure_deployment(deployment)

    @staticmethod
    def _write_status(
        patch: kopf.Patch,
        status: Mapping[str, Any],
        current: Phase | None,
        target: Phase,
        generation: int | None,
        *,
        message: str,
        conditions: list[dict[str, Any]],
    ) -> None:
        try:
            phase = transition(current, target)
        except InvalidTransitionError:
            return  # e.g. a late reconcile while terminating: leave the status alone
        patch.status["phase"] = str(phase)
        patch.status["message"] = message
        patch.status["conditions"] = merge_conditions(status.get("conditions"), conditions)
        if generation is not None:
            patch.status["observedGeneration"] = generation

    # ---------------------------------------------------------------------------------------------
    # Deletion (the finalizer)

    def cleanup(
        self,
        spec: Mapping[str, Any],
        status: Mapping[str, Any],
        patch: kopf.Patch,
        retry: int,
        logger: logging.Logger | logging.LoggerAdapter[logging.Logger],
        **_: Any,
    ) -> None:
        try:
            project = parse_spec(spec)
        except InvalidSpecError:
            logger.warning("Invalid spec: nothing was provisioned, releasing the Project.")
            return
        patch.status["phase"] = str(Phase.TERMINATING)
        bucket = project.bucket_name(self.config.s3)
        result: dict[str, Any] = {}
        try:
            if bucket_may_be_removed(project):
                result["bucket"] = "removed" if self.buckets.remove(bucket) else "absent"
            else:
                result["bucket"] = f"kept (retention {project.retention_days} days)"
            result["namespace"] = "deleted" if self.children.delete_namespace(project.namespace) else "absent"
        except (StorageError, KubeError) as exc:
            raise kopf.TemporaryError(str(exc), delay=backoff(retry)) from exc
        logger.info("Project %s cleaned up: %s", project.project_id, result)

    # ---------------------------------------------------------------------------------------------
    # Usage (timer)

    def usage(
        self,
        spec: Mapping[str, Any],
        status: Mapping[str, Any],
        patch: kopf.Patch,
        logger: logging.Logger | logging.LoggerAdapter[logging.Logger],
        **_: Any,
    ) -> None:
        try:
            project = parse_spec(spec)
        except InvalidSpecError:
            return
        bucket = project.bucket_name(self.config.s3)
        try:
            measured = self.buckets.usage(bucket, prefix=project_photos_prefix(project.project_id))
        except StorageError as exc:
            raise kopf.TemporaryError(str(exc), delay=60) from exc
        new = {"photoCount": measured.photo_count, "bytes": measured.total_bytes}
        old = status.get("usage") or {}
        if {key: old.get(key) for key in new} != new:
            stamp = datetime.datetime.now(tz=datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            patch.status["usage"] = new | {"updatedAt": stamp}
            logger.debug("Usage of %s: %s", bucket, new)

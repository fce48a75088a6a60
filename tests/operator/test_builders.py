"""Unit tests of the pure builders: spec parsing, child objects, bucket rules, status machinery."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from wairo_contracts.storage import S3Settings, bucket_cors_configuration
from wairo_operator.builders import (
    InvalidSpecError,
    InvalidTransitionError,
    Phase,
    bucket_may_be_removed,
    build_lifecycle_configuration,
    build_limit_range,
    build_namespace,
    build_resource_quota,
    build_worker_deployment,
    condition,
    desired_patch,
    is_subset,
    merge_conditions,
    parse_spec,
    transition,
)
from wairo_operator.handlers import backoff

PID = "0b9f5c3e-1d2a-4c4b-9e8f-1234567890ab"
OID = str(uuid.UUID(int=1))


def _spec(**overrides: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {"projectId": PID, "operatorId": OID, "displayName": "Gala", "lifecycle": "live"}
    spec.update(overrides)
    return spec


def test_parse_spec_defaults() -> None:
    project = parse_spec(_spec())
    assert project.namespace == f"wairo-p-{PID}"
    assert project.bucket_name(S3Settings()) == f"wairo-p-{PID}"
    assert project.quota.cpu == "2" and project.quota.memory == "4Gi" and project.quota.gpu == 0
    assert project.dedicated_workers == 0 and project.retention_days is None


@pytest.mark.parametrize(
    "overrides",
    [
        {"projectId": "nope"},
        {"projectId": PID.upper()},
        {"operatorId": None},
        {"displayName": " "},
        {"lifecycle": "deleted"},
        {"quota": {"maxPhotos": -1}},
        {"quota": {"cpu": "two"}},
        {"quota": {"memory": "4GB"}},
        {"quota": {"gpu": True}},
        {"storage": {"bucket": "Bad_Bucket"}},
        {"processing": {"dedicatedWorkers": "2"}},
    ],
)
def test_parse_spec_rejects_invalid(overrides: dict[str, Any]) -> None:
    with pytest.raises(InvalidSpecError):
        parse_spec(_spec(**overrides))


def test_children_from_quota() -> None:
    quota = {"cpu": "4", "memory": "8Gi", "gpu": 1}
    project = parse_spec(_spec(quota=quota, processing={"dedicatedWorkers": 3}))
    namespace = build_namespace(project, "project-x")
    assert namespace["metadata"]["labels"]["wairo.io/project-id"] == PID
    assert namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
    hard = build_resource_quota(project)["spec"]["hard"]
    assert hard["requests.cpu"] == "4" and hard["limits.memory"] == "8Gi"
    assert hard["requests.nvidia.com/gpu"] == "1"
    assert int(hard["pods"]) >= 3
    limits = build_limit_range(project)["spec"]["limits"][0]
    assert limits["max"] == {"cpu": "4", "memory": "8Gi"}
    assert build_limit_range(project)["metadata"]["namespace"] == project.namespace


def test_worker_deployment_consumes_project_queue() -> None:
    project = parse_spec(_spec(processing={"dedicatedWorkers": 2}))
    deployment = build_worker_deployment(project, image="wairo/api:1", service_account="sa")
    assert deployment["spec"]["replicas"] == 2
    pod = deployment["spec"]["template"]["spec"]
    container = pod["containers"][0]
    assert container["command"][:3] == ["celery", "-A", "api.jobs.worker.celery_app"]
    assert f"wairo.project.{PID}" in container["args"]
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert container["securityContext"]["capabilities"] == {"drop": ["ALL"]}
    assert container["envFrom"][0]["secretRef"]["name"] == "wairo-worker-env"
    assert pod["serviceAccountName"] == "sa"
    selector = deployment["spec"]["selector"]["matchLabels"]
    assert is_subset(selector, deployment["spec"]["template"]["metadata"]["labels"])
    assert (
        "envFrom"
        not in build_worker_deployment(project, image="x", env_secret=None)["spec"]["template"]["spec"][
            "containers"
        ][0]
    )


def test_bucket_rules() -> None:
    cors = bucket_cors_configuration(["https://a.test"])["CORSRules"][0]
    assert cors["AllowedMethods"] == ["GET", "HEAD", "PUT"] and cors["ExposeHeaders"] == ["ETag"]
    assert bucket_cors_configuration([])["CORSRules"][0]["AllowedOrigins"] == ["*"]
    only_abort = build_lifecycle_configuration(2, None)["Rules"]
    assert [r["ID"] for r in only_abort] == ["abort-stale-multipart-uploads"]
    rules = build_lifecycle_configuration(1, 30)["Rules"]
    assert rules[1]["Expiration"] == {"Days": 30}
    assert bucket_may_be_removed(parse_spec(_spec()))
    assert bucket_may_be_removed(parse_spec(_spec(storage={"retentionDays": 0})))
    assert not bucket_may_be_removed(parse_spec(_spec(storage={"retentionDays": 7})))


def test_phase_machine() -> None:
    assert transition(None, Phase.READY) is Phase.READY
    assert transition(Phase.PENDING, Phase.PROVISIONING) is Phase.PROVISIONING
    assert transition(Phase.READY, Phase.PROVISIONING) is Phase.PROVISIONING
    assert transition(Phase.FAILED, Phase.TERMINATING) is Phase.TERMINATING
    with pytest.raises(InvalidTransitionError):
        transition(Phase.TERMINATING, Phase.READY)
    with pytest.raises(InvalidTransitionError):
        transition(Phase.READY, Phase.PENDING)


def test_conditions_keep_transition_time_when_unchanged() -> None:
    first = merge_conditions(None, [condition("Ready", False, "Provisioning", "", 1)], now="t1")
    same = merge_conditions(first, [condition("Ready", False, "Provisioning", "still", 2)], now="t2")
    flipped = merge_conditions(same, [condition("Ready", True, "Provisioned", "", 2)], now="t3")
    assert same[0]["lastTransitionTime"] == "t1" and same[0]["observedGeneration"] == 2
    assert flipped[0]["lastTransitionTime"] == "t3"
    both = merge_conditions(flipped, [condition("BucketReady", None, "Unknown", "", None)], now="t4")
    assert [c["type"] for c in both] == ["Ready", "BucketReady"]
    assert both[1]["status"] == "Unknown" and "observedGeneration" not in both[1]


def test_idempotency_helpers() -> None:
    desired = build_resource_quota(parse_spec(_spec()))
    server_side = {**desired, "metadata": {**desired["metadata"], "uid": "u", "resourceVersion": "9"}}
    assert is_subset(desired_patch(desired), server_side)
    changed = parse_spec(_spec(quota={"cpu": "3"}))
    assert not is_subset(desired_patch(build_resource_quota(changed)), server_side)
    assert not is_subset({"a": [1, 2]}, {"a": [1]})
    assert not is_subset({"a": {"b": 1}}, {"a": 1})


def test_backoff_is_exponential_and_capped() -> None:
    assert [backoff(r) for r in range(4)] == [5.0, 10.0, 20.0, 40.0]
    assert backoff(30) == 300.0

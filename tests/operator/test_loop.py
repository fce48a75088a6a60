"""The real kopf operator loop against kmock (Kubernetes API) and moto (S3).

Create a Project → namespace, quota, limits, bucket, status Ready; update → patched; usage timer;
delete → the finalizer empties and removes the bucket and deletes the namespace.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError
from kubernetes import client
from kubernetes.client.exceptions import ApiException

from api.provisioning.project_cr import ProjectCRClient
from wairo_contracts.project import build_project_resource, resource_name
from wairo_operator.builders import LIMIT_RANGE_NAME, QUOTA_NAME, WORKER_NAME
from wairo_operator.handlers import ProjectOperator

pytestmark = pytest.mark.timeout(120)


@pytest.fixture()
def projects(kube: Any, running_operator: ProjectOperator) -> ProjectCRClient:
    return ProjectCRClient(kube.api_client())


@pytest.fixture()
def core(kube: Any) -> client.CoreV1Api:
    return client.CoreV1Api(kube.api_client())


def _create(projects: ProjectCRClient, **kwargs: Any) -> str:
    project_id = str(uuid.uuid4())
    body = build_project_resource(project_id, str(uuid.uuid4()), "Summer Gala", "live", **kwargs)
    _server_fields(body)
    projects.create(body)
    return project_id


def _server_fields(body: dict[str, Any]) -> None:
    """kmock gap: it assigns no resourceVersion (kopf's JSON-patch tests it), uid or generation."""
    body["metadata"]["resourceVersion"] = "1"
    body["metadata"]["generation"] = 1
    body["metadata"]["uid"] = str(uuid.uuid4())


def _phase(projects: ProjectCRClient, project_id: str) -> str | None:
    return projects.phase(project_id)


def _bucket_exists(s3: Any, bucket: str) -> bool:
    try:
        s3.head_bucket(Bucket=bucket)
    except ClientError:
        return False
    return True


def _namespace_absent(core: client.CoreV1Api, name: str) -> bool:
    try:
        core.read_namespace(name)
    except ApiException as exc:
        return exc.status == 404
    return False


def test_project_lifecycle(
    projects: ProjectCRClient, core: client.CoreV1Api, kube: Any, s3_server: Any, wait: Callable[..., Any]
) -> None:
    project_id = _create(projects, cpu="2", memory="4Gi", max_photos=500)
    wait(lambda: _phase(projects, project_id) == "Ready")

    status = (projects.get(resource_name(project_id)) or {})["status"]
    namespace = f"wairo-p-{project_id}"
    bucket = f"wairo-p-{project_id}"
    assert status["namespace"] == namespace
    assert status["bucket"] == bucket
    assert {c["type"]: c["status"] for c in status["conditions"]} == {
        "Ready": "True",
        "BucketReady": "True",
        "QuotaReady": "True",
    }
    assert status["observedGeneration"] == 1
    assert all(c["observedGeneration"] == 1 for c in status["conditions"])

    ns = core.read_namespace(namespace)
    assert ns.metadata.labels["wairo.io/project-id"] == project_id
    assert ns.metadata.labels["wairo.io/lifecycle"] == "live"
    quota = core.read_namespaced_resource_quota(QUOTA_NAME, namespace)
    assert quota.spec.hard["requests.cpu"] == "2"
    assert quota.metadata.owner_references[0].kind == "Project"
    limits = core.read_namespaced_limit_range(LIMIT_RANGE_NAME, namespace)
    assert limits.spec.limits[0].max == {"cpu": "2", "memory": "4Gi"}

    s3 = s3_server.client()
    cors = s3.get_bucket_cors(Bucket=bucket)["CORSRules"][0]
    assert "PUT" in cors["AllowedMethods"]
    assert cors["AllowedOrigins"] == ["https://app.wairo.test"]
    rules = s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
    assert rules[0]["AbortIncompleteMultipartUpload"] == {"DaysAfterInitiation": 1}

    # Update: the quota is patched in place; dedicated workers appear.
    projects.patch_spec(project_id, {"quota": {"cpu": "3"}, "processing": {"dedicatedWorkers": 2}})
    wait(lambda: core.read_namespaced_resource_quota(QUOTA_NAME, namespace).spec.hard["requests.cpu"] == "3")
    apps = client.AppsV1Api(kube.api_client())
    deployment = wait(lambda: _read_deployment(apps, namespace))
    assert deployment.spec.replicas == 2
    assert f"wairo.project.{project_id}" in deployment.spec.template.spec.containers[0].args

    # Lifecycle changes reach the namespace labels.
    projects.patch_lifecycle(project_id, "closed")
    wait(lambda: core.read_namespace(namespace).metadata.labels["wairo.io/lifecycle"] == "closed")

    # Usage timer: one photo original + its thumbnail under the project's prefix.
    s3.put_object(Bucket=bucket, Key=f"photos/{project_id}/p1/original.jpg", Body=b"x" * 2048)
    s3.put_object(Bucket=bucket, Key=f"photos/{project_id}/p1/thumb-400.jpg", Body=b"y" * 100)

    def usage_after_the_puts() -> dict[str, Any] | None:
        # The timer may have reported the empty bucket (or the first object alone) already.
        found: dict[str, Any] = (projects.get(resource_name(project_id)) or {})["status"].get("usage") or {}
        return found if found.get("bytes") == 2148 else None

    usage = wait(usage_after_the_puts)
    assert usage["photoCount"] == 1
    assert usage["bytes"] == 2148

    # Delete: the finalizer empties and removes the bucket, deletes the namespace, releases the CR.
    assert projects.delete(project_id)
    wait(lambda: projects.get(resource_name(project_id)) is None)
    assert not _bucket_exists(s3, bucket)
    assert _namespace_absent(core, namespace)
    assert not projects.delete(project_id)  # idempotent


def _read_deployment(apps: client.AppsV1Api, namespace: str) -> Any:
    try:
        return apps.read_namespaced_deployment(WORKER_NAME, namespace)
    except ApiException:
        return None


def test_retention_keeps_bucket_on_delete(
    projects: ProjectCRClient, core: client.CoreV1Api, s3_server: Any, wait: Callable[..., Any]
) -> None:
    project_id = _create(projects, retention_days=30, bucket=f"keep-{uuid.uuid4().hex[:12]}")
    wait(lambda: _phase(projects, project_id) == "Ready")
    bucket = (projects.get(resource_name(project_id)) or {})["status"]["bucket"]
    s3 = s3_server.client()
    rules = {r["ID"]: r for r in s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]}
    assert rules["retention"]["Expiration"] == {"Days": 30}

    projects.delete(project_id)
    wait(lambda: projects.get(resource_name(project_id)) is None)
    assert _bucket_exists(s3, bucket)  # retention protects the data; the lifecycle rule expires it
    assert _namespace_absent(core, f"wairo-p-{project_id}")


def test_invalid_spec_fails_permanently(
    projects: ProjectCRClient, kube: Any, wait: Callable[..., Any]
) -> None:
    # kmock does not validate against the CRD schema, so the operator's own validation is exercised.
    body = build_project_resource(str(uuid.uuid4()), str(uuid.uuid4()), "Broken")
    body["metadata"]["name"] = "broken-project"
    body["metadata"]["resourceVersion"] = "1"
    body["spec"]["projectId"] = "not-a-uuid"
    projects.create(body)
    found = wait(lambda: (projects.get("broken-project") or {}).get("status", {}).get("phase"))
    assert found == "Failed"
    status = (projects.get("broken-project") or {})["status"]
    assert "UUID" in status["message"]

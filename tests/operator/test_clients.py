"""The S3 bucket manager (against a real moto server) and the Kubernetes clients (against kmock)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from api.provisioning.project_cr import ProjectCRClient, ProjectCRError
from wairo_contracts.project import build_project_resource
from wairo_contracts.storage import bucket_cors_configuration
from wairo_operator.builders import (
    build_lifecycle_configuration,
    build_namespace,
    build_resource_quota,
    parse_spec,
)
from wairo_operator.kube import Children
from wairo_operator.storage import BucketManager, StorageError


def test_bucket_manager_is_idempotent(s3_server: Any) -> None:
    s3 = s3_server.client()
    buckets = BucketManager(s3)
    name = f"t-{uuid.uuid4().hex[:16]}"
    cors, lifecycle = bucket_cors_configuration(["*"]), build_lifecycle_configuration(1, 5)
    assert buckets.ensure(name, cors, lifecycle) == ["bucket", "cors", "lifecycle"]
    assert buckets.ensure(name, cors, lifecycle) == []
    assert buckets.ensure(name, cors, build_lifecycle_configuration(1, None)) == ["lifecycle"]

    s3.put_object(Bucket=name, Key="photos/p/1/original.jpg", Body=b"a" * 10)
    s3.put_object(Bucket=name, Key="photos/p/1/thumb-400.jpg", Body=b"b" * 5)
    s3.put_object(Bucket=name, Key="selfies/u/1.jpg", Body=b"c")
    s3.create_multipart_upload(Bucket=name, Key="photos/p/2/original.jpg")
    usage = buckets.usage(name, prefix="photos/p/")
    assert (usage.photo_count, usage.object_count, usage.total_bytes) == (1, 2, 15)

    assert buckets.remove(name) is True
    assert not buckets.exists(name)
    assert buckets.remove(name) is False


def test_bucket_manager_wraps_storage_errors() -> None:
    import boto3

    unreachable = boto3.client(
        "s3",
        endpoint_url="http://127.0.0.1:9",
        region_name="us-east-1",
        aws_access_key_id="x",
        aws_secret_access_key="x",
    )
    with pytest.raises(StorageError):
        BucketManager(unreachable).usage("any")


def test_children_create_then_unchanged_then_patched(kube: Any) -> None:
    children = Children(kube.api_client())
    project = parse_spec(
        {"projectId": str(uuid.uuid4()), "operatorId": str(uuid.uuid4()), "displayName": "x"}
    )
    assert children.ensure_namespace(build_namespace(project, "p")) == "created"
    assert children.ensure_namespace(build_namespace(project, "p")) == "unchanged"
    quota = build_resource_quota(project)
    assert children.ensure_resource_quota(quota) == "created"
    assert children.ensure_resource_quota(quota) == "unchanged"
    quota["spec"]["hard"]["requests.cpu"] = "7"
    assert children.ensure_resource_quota(quota) == "patched"
    assert children.ensure_resource_quota(quota) == "unchanged"
    assert children.delete_namespace(project.namespace) is True
    assert children.delete_namespace(project.namespace) is False
    assert children.delete_deployment("absent", project.namespace) is False


def test_build_project_resource() -> None:
    pid, oid = str(uuid.uuid4()), str(uuid.uuid4())
    body = build_project_resource(pid, oid, "Gala", "live", max_photos=100, cpu="2", retention_days=30)
    assert body["apiVersion"] == "wairo.io/v1alpha1" and body["kind"] == "Project"
    assert body["metadata"]["name"] == f"project-{pid}"
    assert body["spec"] == {
        "projectId": pid,
        "operatorId": oid,
        "displayName": "Gala",
        "lifecycle": "live",
        "quota": {"maxPhotos": 100, "cpu": "2"},
        "storage": {"retentionDays": 30},
    }
    assert "quota" not in build_project_resource(pid, oid, "Gala")["spec"]
    with pytest.raises(ValueError):
        build_project_resource(pid, oid, "Gala", "deleted")


def test_project_cr_client(kube: Any) -> None:
    projects = ProjectCRClient(kube.api_client())
    pid = str(uuid.uuid4())
    body = build_project_resource(pid, str(uuid.uuid4()), "Gala", dedicated_workers=1)
    body["metadata"]["resourceVersion"] = "1"  # kmock assigns none
    created = projects.create(body)
    assert created["spec"]["processing"] == {"dedicatedWorkers": 1}
    assert projects.create(body)["metadata"]["name"] == body["metadata"]["name"]  # idempotent
    assert projects.phase(pid) is None  # no operator running in this test
    assert projects.patch_lifecycle(pid, "live")["spec"]["lifecycle"] == "live"
    with pytest.raises(ValueError):
        projects.patch_lifecycle(pid, "gone")
    assert projects.delete(pid) is True
    assert projects.get(body["metadata"]["name"]) is None
    assert projects.phase(pid) is None
    assert projects.delete(pid) is False
    with pytest.raises(ProjectCRError):
        projects.patch_lifecycle(pid, "closed")

"""The backoffice with Kubernetes enabled, against kmock and the real operator loop.

Creating a project, changing its status and deleting it queue `sync_project_resource`; the job
(run here in the test's transaction instead of by a worker) creates, patches and deletes the
project's `Project` CR; the real operator reconciles it to Ready; the CR's phase and quota come
back to the project row, and the media API enforces that quota.

kmock gaps met here besides those in tests/support/kube.py: a real API server assigns
metadata.resourceVersion/uid/generation on create; kmock does not, and kopf needs them, so the CR
client used here adds them on create (`KmockCRClient`). kmock also ignores label selectors; the
backoffice re-checks the label of every listed CR itself, which this test relies on.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient
from sqlalchemy import delete, select
from sqlalchemy.orm import Session
from urllib3.exceptions import HTTPError

from api.models import OutboxMessage, Project
from api.provisioning import get_provisioner
from api.provisioning.kubernetes import GIB, KubernetesProvisioner, cr_client, sync_all, sync_project
from api.provisioning.project_cr import ProjectCRClient
from api.settings import get_settings
from tests.factories import Factory
from tests.support.apps import client_for
from tests.support.http import bearer
from wairo_contracts.project import build_project_resource, resource_name
from wairo_operator.handlers import ProjectOperator

pytestmark = pytest.mark.timeout(180)


class KmockCRClient(ProjectCRClient):
    """The backoffice's CR client, plus the server-side metadata kmock does not assign."""

    def create(self, body: Any) -> dict[str, Any]:
        body = dict(
            body, metadata=dict(body["metadata"], resourceVersion="1", generation=1, uid=str(uuid.uuid4()))
        )
        return super().create(body)


@pytest.fixture()
def k8s_enabled(kube: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """WAIRO_KUBERNETES_ENABLED with a kubeconfig pointing at the emulator."""
    kubeconfig = tmp_path / "kubeconfig"
    cluster = {"name": "kmock", "cluster": {"server": kube.url, "insecure-skip-tls-verify": True}}
    kubeconfig.write_text(
        yaml.safe_dump(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "clusters": [cluster],
                "users": [{"name": "admin", "user": {"token": "kmock"}}],
                "contexts": [{"name": "kmock", "context": {"cluster": "kmock", "user": "admin"}}],
                "current-context": "kmock",
            }
        )
    )
    monkeypatch.setattr(get_settings(), "kubernetes_enabled", True)
    monkeypatch.setattr(get_settings(), "kubeconfig", str(kubeconfig))
    cr_client.cache_clear()
    yield
    cr_client.cache_clear()


@pytest.fixture()
def crs(kube: Any, k8s_enabled: None, running_operator: ProjectOperator) -> KmockCRClient:
    assert isinstance(cr_client().list(), list)  # the backoffice's own client reaches kmock via kubeconfig
    return KmockCRClient(kube.api_client())


def _sync_jobs(db: Session, project_id: str) -> int:
    return len(
        db.scalars(
            select(OutboxMessage.id).where(
                OutboxMessage.task == "sync_project_resource",
                OutboxMessage.payload["projectId"].astext == project_id,
            )
        ).all()
    )


def test_project_lifecycle_drives_its_custom_resource(
    backoffice: TestClient,
    db: Session,
    make_operator: Callable[..., dict[str, Any]],
    make_photographer: Callable[[dict[str, Any]], dict[str, Any]],
    crs: KmockCRClient,
    s3_server: Any,
    wait: Callable[..., Any],
) -> None:
    assert isinstance(get_provisioner(), KubernetesProvisioner)
    op = make_operator("Kube Studio")
    created = backoffice.post("/v1/projects", json={"name": "Harbour Gala"}, headers=bearer(op["token"]))
    assert created.status_code == 201, created.text
    project_id = created.json()["id"]
    assert created.json()["provisioningPhase"] == "Pending"
    assert _sync_jobs(db, project_id) == 1  # queued in the request's transaction, sent after commit
    name = resource_name(project_id)
    assert crs.get(name) is None  # nothing in the cluster until the job runs

    # The job creates the CR; the real operator provisions it; the next sync reads Ready back.
    assert sync_project(db, uuid.UUID(project_id), crs) == "created"
    resource = crs.get(name)
    assert resource is not None
    assert resource["spec"] == {
        "projectId": project_id,
        "operatorId": op["id"],
        "displayName": "Harbour Gala",
        "lifecycle": "draft",
        "storage": {"bucket": f"wairo-p-{project_id}"},
    }
    wait(lambda: crs.phase(project_id) == "Ready", timeout=60)
    s3_server.client().head_bucket(Bucket=f"wairo-p-{project_id}")  # made by the operator
    assert sync_project(db, uuid.UUID(project_id), crs) == "unchanged"
    detail = backoffice.get(f"/v1/projects/{project_id}", headers=bearer(op["token"])).json()
    assert detail["provisioningPhase"] == "Ready"

    # A platform admin lowers the quota with kubectl; the sync copies it; the media API enforces it.
    crs.patch_spec(
        project_id, {"quota": {"maxPhotos": 1, "maxStorageGi": 2}, "processing": {"dedicatedWorkers": 2}}
    )
    assert sync_all(db, crs).unchanged >= 1
    project = db.get(Project, uuid.UUID(project_id))
    assert project is not None and (project.max_photos, project.max_storage_bytes) == (1, 2 * GIB)
    assert project.dedicated_workers == 2  # its jobs now go to its own queue (api/jobs/routing.py)

    # Status change → lifecycle patched.
    live = backoffice.patch(
        f"/v1/projects/{project_id}/status", json={"status": "live"}, headers=bearer(op["token"])
    )
    assert live.status_code == 200 and _sync_jobs(db, project_id) == 2
    assert sync_project(db, uuid.UUID(project_id), crs) == "patched"
    assert (crs.get(name) or {})["spec"]["lifecycle"] == "live"

    # Delete → the CR is deleted; the operator's finalizer removes the namespace and bucket.
    gone = backoffice.delete(f"/v1/projects/{project_id}", headers=bearer(op["token"]))
    assert gone.status_code == 204 and _sync_jobs(db, project_id) == 3
    assert sync_project(db, uuid.UUID(project_id), crs) == "deleted"
    wait(lambda: crs.get(name) is None, timeout=60)
    assert sync_project(db, uuid.UUID(project_id), crs) == "absent"  # idempotent


def test_media_api_waits_for_the_bucket_and_enforces_the_custom_resource_quota(
    build: Factory, db: Session, crs: KmockCRClient, wait: Callable[..., Any]
) -> None:
    from api.apps.media import create_app

    tenant = build.tenant()
    assert sync_project(db, tenant.project.id, crs) == "created"
    media = client_for(create_app(), db)

    def upload_url() -> Any:
        body = {"projectId": str(tenant.project.id), "contentType": "image/jpeg", "sizeBytes": 4096}
        return media.post("/v1/photos/upload-url", json=body, headers=bearer(tenant.photographer_token))

    early = upload_url()  # the operator has not made the bucket yet
    assert early.status_code == 409 and early.json()["error"]["code"] == "project_not_ready"
    wait(lambda: crs.phase(str(tenant.project.id)) == "Ready", timeout=60)
    crs.patch_spec(str(tenant.project.id), {"quota": {"maxPhotos": 1}})
    sync_project(db, tenant.project.id, crs)
    first = upload_url()
    assert first.status_code == 201, first.text
    refused = upload_url()
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "photo_quota"
    crs.delete(str(tenant.project.id))
    wait(lambda: crs.get(resource_name(str(tenant.project.id))) is None, timeout=60)


def test_sync_all_creates_missing_and_deletes_orphaned_resources(
    build: Factory, db: Session, crs: KmockCRClient
) -> None:
    tenant = build.tenant()  # a project whose CR was never made (e.g. the cluster was down)
    orphan_id = str(uuid.uuid4())  # a CR the backoffice made for a project that no longer exists
    orphan = build_project_resource(orphan_id, str(uuid.uuid4()), "Gone", "closed")
    crs.create(orphan)
    foreign_id = str(uuid.uuid4())  # a CR a platform admin made by hand: not the backoffice's
    foreign = build_project_resource(foreign_id, str(uuid.uuid4()), "Manual", "draft")
    foreign["metadata"]["labels"]["app.kubernetes.io/created-by"] = "kubectl"
    crs.create(foreign)

    summary = sync_all(db, crs)

    assert summary.created >= 1 and summary.deleted >= 1
    assert crs.get(resource_name(str(tenant.project.id))) is not None
    assert crs.get(resource_name(orphan_id)) is None or (crs.get(resource_name(orphan_id)) or {}).get(
        "metadata", {}
    ).get("deletionTimestamp")
    assert crs.get(resource_name(foreign_id)) is not None  # never touched
    for project_id in (str(tenant.project.id), foreign_id):
        crs.delete(project_id)


def test_sync_all_leaves_a_busy_projects_resource_alone(infra: dict[str, str], crs: KmockCRClient) -> None:
    """A project row locked by a request in flight is skipped by the periodic sync, and its CR is
    not mistaken for an orphan (committed data: the lock must come from another transaction)."""
    from api.core.db import get_sessionmaker, session_scope

    with session_scope() as session:
        tenant = Factory(session).tenant()
        assert sync_project(session, tenant.project.id, crs) == "created"
    name = resource_name(str(tenant.project.id))
    request = get_sessionmaker()()
    try:
        request.get(Project, tenant.project.id, with_for_update=True)  # a request holding the row
        with session_scope() as session:
            sync_all(session, crs)  # may delete other tests' orphans (their projects rolled back)
        kept = crs.get(name)
        assert kept is not None and not kept["metadata"].get("deletionTimestamp")
    finally:
        request.rollback()
        request.close()
        crs.delete(str(tenant.project.id))
        with session_scope() as session:  # the accounts stay, as other live tests' do
            session.execute(delete(Project).where(Project.id == tenant.project.id))


def test_unreachable_cluster_is_a_retryable_error(build: Factory, db: Session, k8s_enabled: None) -> None:
    from kubernetes import client

    configuration = client.Configuration()
    configuration.host = "http://127.0.0.1:9"  # discard port: nothing listens
    configuration.retries = 0
    unreachable = ProjectCRClient(client.ApiClient(configuration))
    tenant = build.tenant()
    with pytest.raises(HTTPError):
        sync_project(db, tenant.project.id, unreachable)
    assert db.get(Project, tenant.project.id).provisioning_phase == "Pending"  # type: ignore[union-attr]

"""The `operator_setup` demo chapter against the test app, and the provisioner."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import EndpointConnectionError
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.models import Project, ProjectMember, TermsVersion
from api.provisioning import LocalProvisioner, get_provisioner
from api.provisioning import local as local_provisioning
from api.provisioning.kubernetes import KubernetesProvisioner
from api.settings import get_settings
from tests.backoffice.calls import make_project
from tests.factories import Factory
from tests.support.http import bearer
from tests.support.images import FACES_DIR
from wairo_dev.demo import accounts, media
from wairo_dev.demo.backoffice import operator_setup
from wairo_dev.demo.client import Api


def test_operator_setup_chapter(
    backoffice: TestClient, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    api = Api("backoffice", "http://testserver")
    api.http = backoffice  # a TestClient is an httpx.Client
    apis = {"backoffice": api}
    state: dict[str, Any] = {"run": uuid.uuid4().hex[:6], "data_dir": tmp_path}
    accounts.operator(apis, state)
    operator_setup(apis, state)
    assert state["promo_code"] == "WAIRO20"
    headers = bearer(state["operator_token"])
    project = backoffice.get(f"/v1/projects/{state['project_id']}", headers=headers).json()
    assert (project["type"], project["status"], project["timezone"]) == ("public", "live", "Europe/Paris")
    assert [p["id"] for p in project["photographers"]] == [state["photographer_id"]]
    rules = backoffice.get("/v1/pricing/rules", headers=headers).json()
    assert [(r["projectId"], r["pricePerPhotoCents"]) for r in rules] == [(None, 500), (project["id"], 400)]
    linked = backoffice.get(f"/v1/projects/{project['id']}/discounts", headers=headers).json()
    assert [(d["type"], d["value"], d["bundleMinPhotos"]) for d in linked] == [("bundle", 30, 10)]
    assert len(backoffice.get(f"/v1/projects/{project['id']}/invites", headers=headers).json()) == 2
    out = capsys.readouterr().out
    assert "== Operator setup" in out and "invites: 2 queued, 0 skipped" in out and "analytics:" in out
    assert f"/e/{project['id']}: QR code to print saved to" in out
    assert (tmp_path / "demo-join-qr.png").read_bytes().startswith(b"\x89PNG")


def test_the_demo_uploads_the_shared_faces() -> None:
    """The demo's photos are the labelled faces beside the repository (it falls back to generated
    images without them)."""
    assert media.FACES == FACES_DIR


def test_members_keep_the_terms_version_they_accepted(
    backoffice: TestClient, op: dict[str, Any], build: Factory, db: Session
) -> None:
    project = make_project(backoffice, op["token"], termsAndConditions="v1")
    v1 = db.scalar(select(TermsVersion).where(TermsVersion.project_id == uuid.UUID(project["id"])))
    assert v1 is not None
    member_user = build.user()
    build.member(member_user, project["id"])
    member = db.scalar(select(ProjectMember).where(ProjectMember.user_id == member_user.id))
    assert member is not None
    member.terms_version_id = v1.id
    db.commit()
    changed = backoffice.patch(
        f"/v1/projects/{project['id']}", json={"termsAndConditions": "v2"}, headers=bearer(op["token"])
    )
    assert changed.json()["termsVersion"] == 2
    db.refresh(member)
    assert member.terms_version_id == v1.id
    db.refresh(v1)
    assert (v1.version, v1.content) == (1, "v1")


def test_storage_failure_marks_the_project_failed_and_a_status_change_retries(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    project = Project(name="P", provisioning_phase="Pending")

    def unreachable(bucket: str | None = None) -> None:
        raise EndpointConnectionError(endpoint_url="http://s3")

    monkeypatch.setattr(local_provisioning, "ensure_bucket", unreachable)
    LocalProvisioner().project_created(project)
    assert project.provisioning_phase == "Failed"
    monkeypatch.setattr(local_provisioning, "ensure_bucket", lambda bucket=None: None)
    LocalProvisioner().status_changed(project)
    assert project.provisioning_phase == "Ready"


def test_create_with_failing_storage_still_answers_201(
    backoffice: TestClient, op: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    def unreachable(bucket: str | None = None) -> None:
        raise EndpointConnectionError(endpoint_url="http://s3")

    monkeypatch.setattr(local_provisioning, "ensure_bucket", unreachable)
    assert make_project(backoffice, op["token"])["provisioningPhase"] == "Failed"


def test_provisioner_factory(monkeypatch: pytest.MonkeyPatch) -> None:
    assert isinstance(get_provisioner(), LocalProvisioner)
    monkeypatch.setattr(get_settings(), "kubernetes_enabled", True)
    assert isinstance(get_provisioner(), KubernetesProvisioner)  # tested in tests/operator

"""The `Project` contract (wairo_contracts.project) against the CRD the cluster installs
(crds/project.yaml): names, lifecycles, phases and quota defaults are written in both and must agree."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
import yaml

from wairo_contracts import project

CRD = Path(__file__).resolve().parents[2] / "crds" / "project.yaml"


@pytest.fixture(scope="module")
def crd() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(CRD.read_text())
    return loaded


def _version(crd: dict[str, Any]) -> dict[str, Any]:
    (version,) = [v for v in crd["spec"]["versions"] if v["storage"]]
    return version


def _properties(crd: dict[str, Any], *path: str) -> dict[str, Any]:
    node = _version(crd)["schema"]["openAPIV3Schema"]
    for name in path:
        node = node["properties"][name]
    props: dict[str, Any] = node["properties"]
    return props


def test_names_agree(crd: dict[str, Any]) -> None:
    spec = crd["spec"]
    assert spec["group"] == project.GROUP
    assert spec["names"]["kind"] == project.KIND
    assert spec["names"]["plural"] == project.PLURAL
    assert crd["metadata"]["name"] == f"{project.PLURAL}.{project.GROUP}"
    assert _version(crd)["name"] == project.VERSION
    assert f"{spec['group']}/{_version(crd)['name']}" == project.API_VERSION


def test_lifecycles_and_phases_agree(crd: dict[str, Any]) -> None:
    lifecycle = _properties(crd, "spec")["lifecycle"]
    assert tuple(lifecycle["enum"]) == project.LIFECYCLES
    assert lifecycle["default"] == project.LIFECYCLES[0]
    phases = _properties(crd, "status")["phase"]["enum"]
    assert phases == [str(phase) for phase in project.Phase]


def test_quota_defaults_agree(crd: dict[str, Any]) -> None:
    quota = _properties(crd, "spec", "quota")
    defaults = project.Quota()
    assert set(quota) == set(project.QUOTA_FIELDS.values())
    for field in dataclasses.fields(project.Quota):
        assert quota[project.QUOTA_FIELDS[field.name]]["default"] == getattr(defaults, field.name), field.name


def test_a_built_resource_names_what_the_crd_serves() -> None:
    body = project.build_project_resource(
        "0b9f5c3e-1d2a-4c4b-9e8f-1234567890ab", "00000000-0000-0000-0000-000000000001", "Gala", "live"
    )
    assert (body["apiVersion"], body["kind"]) == (project.API_VERSION, project.KIND)
    assert body["metadata"]["name"] == project.resource_name(body["spec"]["projectId"])
    with pytest.raises(ValueError, match="lifecycle"):
        project.build_project_resource(
            body["spec"]["projectId"], body["spec"]["operatorId"], "Gala", "deleted"
        )

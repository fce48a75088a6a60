"""The join link's QR code (`GET /v1/projects/{id}/qr`): read back with a real decoder."""

from __future__ import annotations

import io
from typing import Any

import pytest
import zxingcpp
from fastapi.testclient import TestClient
from PIL import Image

from api.core.links import join_link
from tests.backoffice.calls import make_project
from tests.support.http import assert_error, bearer


def _decoded(png: bytes) -> list[str]:
    return [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)).convert("L"))]


def test_png_and_svg_encode_the_join_link(backoffice: TestClient, op: dict[str, Any]) -> None:
    project = make_project(backoffice, op["token"])
    url = f"/v1/projects/{project['id']}/qr"
    png = backoffice.get(url, params={"format": "png", "scale": 6}, headers=bearer(op["token"]))
    assert png.status_code == 200 and png.headers["content-type"] == "image/png"
    link = join_link(project["id"])
    assert link.endswith(f"/e/{project['id']}")
    assert _decoded(png.content) == [link]
    image = Image.open(io.BytesIO(png.content))
    assert image.width == image.height and image.width % 6 == 0  # whole modules at the scale asked

    svg = backoffice.get(url, headers=bearer(op["token"]))  # SVG by default
    assert svg.status_code == 200 and svg.headers["content-type"].startswith("image/svg+xml")
    assert svg.content.lstrip().startswith(b"<?xml") and b"<svg" in svg.content


def test_assigned_photographer_may_fetch_it_another_operator_may_not(
    backoffice: TestClient, op: dict[str, Any], other_op: dict[str, Any], photographer: dict[str, Any]
) -> None:
    project = make_project(backoffice, op["token"])
    url = f"/v1/projects/{project['id']}/qr"
    assert_error(backoffice.get(url, headers=bearer(other_op["token"])), 404)
    assert_error(backoffice.get(url, headers=bearer(photographer["token"])), 404)  # not assigned yet
    assigned = backoffice.post(
        f"/v1/projects/{project['id']}/photographers",
        json={"photographerId": photographer["id"]},
        headers=bearer(op["token"]),
    )
    assert assigned.status_code == 204, assigned.text
    assert backoffice.get(url, headers=bearer(photographer["token"])).status_code == 200


@pytest.mark.parametrize("params", [{"format": "gif"}, {"scale": 0}, {"scale": 41}, {"scale": "big"}])
def test_bad_parameters_are_422(backoffice: TestClient, op: dict[str, Any], params: dict[str, Any]) -> None:
    project = make_project(backoffice, op["token"])
    response = backoffice.get(f"/v1/projects/{project['id']}/qr", params=params, headers=bearer(op["token"]))
    assert_error(response, 422)

"""The project lifecycle as participants live it (api/projects/lifecycle.py): the operator moves the
project through the backoffice API; members browse, buy and share on the main API and view on the
media API."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.core.security import STAFF_AUDIENCES, issue_access_token
from api.models import ProjectMember
from tests.factories import WATERMARK_BYTES, Factory, Shop
from tests.support.http import bearer


def _move(backoffice: TestClient, shop: Shop, *statuses: str) -> None:
    token = issue_access_token(shop.operator.id, "operator", STAFF_AUDIENCES, 0)
    for status in statuses:
        response = backoffice.patch(
            f"/v1/projects/{shop.project.id}/status", json={"status": status}, headers=bearer(token)
        )
        assert response.status_code == 200, response.text


def _error(response: Any, status: int, code: str | None = None) -> None:
    assert response.status_code == status, response.text
    if code is not None:
        assert response.json()["error"]["code"] == code, response.text


def _share(main_api: TestClient, shop: Shop) -> Any:
    return main_api.post(
        f"/v1/photos/{shop.photos[0].id}/shares",
        json={"expiresInSeconds": 3600},
        headers=bearer(shop.buyer.token),
    )


def _buy(main_api: TestClient, shop: Shop) -> Any:
    body = {"projectId": str(shop.project.id), "photoIds": [str(shop.photos[1].id)]}
    return main_api.post("/v1/purchases", json=body, headers=bearer(shop.buyer.token))


def _view(media: TestClient, shop: Shop, variant: str = "thumb-400") -> Any:
    return media.get(
        f"/v1/photos/{shop.photos[0].id}:view", params={"variant": variant}, headers=bearer(shop.buyer.token)
    )


@pytest.mark.parametrize("path", [("draft",), ("closed", "archived")], ids=["draft", "archived"])
def test_hidden_projects_keep_only_what_was_paid(
    main_api: TestClient, media: TestClient, backoffice: TestClient, build: Factory, db: Session, path: Any
) -> None:
    shop = build.shop(photos=2, upload=True)
    bought = shop.photos[0]
    build.paid_purchase(shop.project, shop.buyer, [bought.id])
    existing = _share(main_api, shop)
    assert existing.status_code == 201, existing.text
    _move(backoffice, shop, *path)
    headers = bearer(shop.buyer.token)

    gallery = main_api.get("/v1/photos", headers=headers)
    assert gallery.status_code == 200 and gallery.json() == []
    _error(main_api.post(f"/v1/photos/{bought.id}/favourite", headers=headers), 404)
    report = {"reportType": "missing_tag"}
    _error(main_api.post(f"/v1/photos/{bought.id}/report", json=report, headers=headers), 404)
    _error(_view(media, shop), 404)
    _error(_view(media, shop, "watermarked"), 404)
    _error(_buy(main_api, shop), 404)
    _error(_share(main_api, shop), 404)
    _error(main_api.get(f"/v1/projects/{shop.project.id}/public"), 404)

    # What was bought keeps working, and the membership is kept.
    download = main_api.get(f"/v1/photos/{bought.id}/download", headers=headers)
    assert download.status_code == 200, download.text
    assert httpx.get(download.json()["downloadUrl"]).content == WATERMARK_BYTES
    opened = main_api.get(f"/v1/shares/{existing.json()['token']}")
    assert opened.status_code == 200 and httpx.get(opened.json()["url"]).content == WATERMARK_BYTES
    members = select(func.count()).where(ProjectMember.project_id == shop.project.id)
    assert db.scalar(members) == 1


def test_draft_again_live_shows_the_gallery_again(
    main_api: TestClient, backoffice: TestClient, build: Factory
) -> None:
    shop = build.shop(photos=2)
    _move(backoffice, shop, "draft")
    assert main_api.get("/v1/photos", headers=bearer(shop.buyer.token)).json() == []
    _move(backoffice, shop, "live")
    listed = main_api.get("/v1/photos", headers=bearer(shop.buyer.token)).json()
    assert {p["id"] for p in listed} == {str(p.id) for p in shop.photos}


def test_closed_refuses_joins_and_members_keep_everything(
    main_api: TestClient, media: TestClient, backoffice: TestClient, build: Factory
) -> None:
    shop = build.shop(photos=2, upload=True)
    build.paid_purchase(shop.project, shop.buyer, [shop.photos[0].id])
    _move(backoffice, shop, "closed")
    newcomer = build.attendee()
    join = {"projectId": str(shop.project.id), "termsAccepted": True}
    _error(main_api.post("/v1/qr/join", json=join, headers=bearer(newcomer.token)), 409, "project_closed")

    headers = bearer(shop.buyer.token)
    listed = main_api.get("/v1/photos", headers=headers).json()
    assert {p["id"] for p in listed} == {str(p.id) for p in shop.photos}
    assert main_api.get(f"/v1/projects/{shop.project.id}/public").status_code == 200
    favourite = main_api.post(f"/v1/photos/{shop.photos[0].id}/favourite", headers=headers)
    assert favourite.status_code == 200 and favourite.json() == {"isFavourite": True}
    assert _view(media, shop).status_code == 200
    assert _view(media, shop, "watermarked").status_code == 200
    bought = _buy(main_api, shop)
    assert bought.status_code == 201, bought.text
    assert _share(main_api, shop).status_code == 201
    assert main_api.get(f"/v1/photos/{shop.photos[0].id}/download", headers=headers).status_code == 200

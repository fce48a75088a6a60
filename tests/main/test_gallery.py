"""The photo list, favourites, tag reports and downloads."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import httpx
from fastapi.testclient import TestClient
from pydantic import TypeAdapter
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.gallery.schemas import PhotoSummary
from api.models import PurchaseDownload, TagReport
from tests.factories import WATERMARK_BYTES, Factory, Shop
from tests.support.http import bearer


def test_list_tagged_first_with_flags(main_api: TestClient, build: Factory, db: Session) -> None:
    shop = build.shop(photos=4)
    build.photo(shop.project, status="processing")  # not ready: hidden
    other_project = build.project()
    build.photo(other_project)  # not my project: hidden
    archived = build.project(status="archived")
    build.member(shop.buyer, archived)
    build.photo(archived)  # archived project: hidden
    tagged = shop.photos[2]
    build.tag(shop.buyer, tagged)
    stale = build.tag(shop.buyer, shop.photos[3])
    stale.deleted_at = stale.created_at  # a revoked auto tag does not count
    shop.photos[0].taken_at = datetime(2026, 6, 1, 18, 30, 5, 250_000, tzinfo=UTC)
    db.commit()
    main_api.post(f"/v1/photos/{shop.photos[1].id}/favourite", headers=bearer(shop.buyer.token))
    build.paid_purchase(shop.project, shop.buyer, [shop.photos[0].id])

    response = main_api.get("/v1/photos", headers=bearer(shop.buyer.token))
    assert response.status_code == 200
    photos = response.json()
    assert {p["id"] for p in photos} == {str(p.id) for p in shop.photos}
    assert photos[0]["id"] == str(tagged.id) and photos[0]["tagged"] is True
    assert all(p["tagged"] is False for p in photos[1:])
    by_id = {p["id"]: p for p in photos}
    assert by_id[str(shop.photos[0].id)]["hasPurchase"] is True
    assert by_id[str(shop.photos[1].id)]["isFavourite"] is True
    assert sum(p["hasPurchase"] for p in photos) == 1 and sum(p["isFavourite"] for p in photos) == 1
    first = photos[0]
    assert first["projectId"] == str(shop.project.id) and first["width"] == 1200 and first["height"] == 800
    assert "thumb-400.jpg" in first["thumbnailUrl"] and "X-Amz-Signature" in first["thumbnailUrl"]
    assert "X-Next-Cursor" not in response.headers
    # Written without the model: exactly what `PhotoSummary` would write (keys, types, formats).
    models = TypeAdapter(list[PhotoSummary]).validate_json(response.content)
    assert TypeAdapter(list[PhotoSummary]).dump_json(models, by_alias=True) == response.content
    assert by_id[str(shop.photos[0].id)]["takenAt"] == "2026-06-01T18:30:05.250000Z"


def test_list_pages_with_cursor(main_api: TestClient, build: Factory) -> None:
    shop = build.shop(photos=5)
    build.tag(shop.buyer, shop.photos[4])
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        response = main_api.get("/v1/photos", params=params, headers=bearer(shop.buyer.token))
        assert response.status_code == 200
        seen += [p["id"] for p in response.json()]
        cursor = response.headers.get("X-Next-Cursor")
        if cursor is None:
            break
    assert len(seen) == 5 and set(seen) == {str(p.id) for p in shop.photos}
    assert seen[0] == str(shop.photos[4].id)
    bad = main_api.get("/v1/photos", params={"cursor": "garbage"}, headers=bearer(shop.buyer.token))
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid_cursor"
    assert (
        main_api.get("/v1/photos", params={"limit": 0}, headers=bearer(shop.buyer.token)).status_code == 422
    )


def test_thumbnail_url_is_null_without_variant(main_api: TestClient, build: Factory) -> None:
    shop = build.shop(photos=0)
    build.photo(shop.project, variants={})
    (photo,) = main_api.get("/v1/photos", headers=bearer(shop.buyer.token)).json()
    assert photo["thumbnailUrl"] is None


def test_favourite_toggles(main_api: TestClient, shop: Shop) -> None:
    url = f"/v1/photos/{shop.photos[0].id}/favourite"
    assert main_api.post(url, headers=bearer(shop.buyer.token)).json() == {"isFavourite": True}
    assert main_api.post(url, headers=bearer(shop.buyer.token)).json() == {"isFavourite": False}
    assert main_api.post(url, headers=bearer(shop.buyer.token)).json() == {"isFavourite": True}


def test_photo_actions_404_unknown_and_403_non_member(
    main_api: TestClient, build: Factory, shop: Shop
) -> None:
    stranger = build.attendee()
    photo = shop.photos[0]
    for method, path, body in [
        ("POST", "favourite", None),
        ("POST", "report", {"reportType": "missing_tag"}),
        ("GET", "download", None),
    ]:
        unknown = main_api.request(
            method, f"/v1/photos/{uuid.uuid4()}/{path}", json=body, headers=bearer(shop.buyer.token)
        )
        assert unknown.status_code == 404, path
        foreign = main_api.request(
            method, f"/v1/photos/{photo.id}/{path}", json=body, headers=bearer(stranger.token)
        )
        # A download is entitled by a paid purchase, not by membership (what was bought survives).
        code = "purchase_required" if path == "download" else "not_a_member"
        assert foreign.status_code == 403 and foreign.json()["error"]["code"] == code, path


def test_report_is_idempotent_per_type(main_api: TestClient, shop: Shop, db: Session) -> None:
    url = f"/v1/photos/{shop.photos[0].id}/report"
    headers = bearer(shop.buyer.token)
    for report_type in ("incorrect_tag", "incorrect_tag", "missing_tag"):
        response = main_api.post(url, json={"reportType": report_type}, headers=headers)
        assert response.status_code == 204 and response.content == b""
    reports = db.scalars(select(TagReport.report_type).where(TagReport.user_id == shop.buyer.id)).all()
    assert sorted(reports) == ["incorrect_tag", "missing_tag"]
    for body in ({"reportType": "spam"}, {}, {"reportType": "missing_tag", "x": 1}):
        bad = main_api.post(url, json=body, headers=headers)
        assert bad.status_code == 422 and bad.json()["error"]["code"] == "validation_error"


def test_download_requires_a_paid_purchase(main_api: TestClient, build: Factory, db: Session) -> None:
    shop = build.shop(photos=2, upload=True)
    bought, not_bought = shop.photos
    refused = main_api.get(f"/v1/photos/{bought.id}/download", headers=bearer(shop.buyer.token))
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "purchase_required"
    build.paid_purchase(shop.project, shop.buyer, [bought.id])
    response = main_api.get(f"/v1/photos/{bought.id}/download", headers=bearer(shop.buyer.token))
    assert response.status_code == 200
    body = response.json()
    assert body["expiresInSeconds"] == 900 and "watermarked.jpg" in body["downloadUrl"]
    assert httpx.get(body["downloadUrl"]).content == WATERMARK_BYTES
    main_api.get(f"/v1/photos/{bought.id}/download", headers=bearer(shop.buyer.token))
    right = db.scalar(select(PurchaseDownload).where(PurchaseDownload.photo_id == bought.id))
    assert right is not None
    db.refresh(right)
    assert right.download_count == 2 and right.last_downloaded_at is not None
    assert (
        main_api.get(f"/v1/photos/{not_bought.id}/download", headers=bearer(shop.buyer.token)).status_code
        == 403
    )
    # Another member of the project cannot use the buyer's right.
    other = build.attendee()
    build.member(other, shop.project)
    assert main_api.get(f"/v1/photos/{bought.id}/download", headers=bearer(other.token)).status_code == 403

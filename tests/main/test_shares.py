"""Share links of purchased photos."""

from __future__ import annotations

import html
import re
import uuid
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.core.security import hash_token
from api.models import Purchase, ShareLink
from api.purchases.service import mark_refunded
from api.settings import get_settings
from tests.factories import WATERMARK_BYTES, Factory, Shop
from tests.support.http import bearer


def _bought_shop(build: Factory) -> Shop:
    shop = build.shop(photos=2, upload=True)
    build.paid_purchase(shop.project, shop.buyer, [shop.photos[0].id])
    return shop


def test_create_open_and_revoke(main_api: TestClient, build: Factory, db: Session) -> None:
    shop = _bought_shop(build)
    photo = shop.photos[0]
    created = main_api.post(
        f"/v1/photos/{photo.id}/shares", json={"expiresInSeconds": 3600}, headers=bearer(shop.buyer.token)
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["url"] == f"{get_settings().web_base_url}/s/{body['token']}"
    assert (
        timedelta(minutes=59)
        < datetime.fromisoformat(body["expiresAt"]) - datetime.now(UTC)
        <= timedelta(hours=1)
    )
    assert db.scalar(
        select(ShareLink.token_hash).where(ShareLink.id == uuid.UUID(body["shareId"]))
    ) == hash_token(body["token"])

    opened = main_api.get(f"/v1/shares/{body['token']}")  # no auth
    assert opened.status_code == 200
    assert opened.json()["photoId"] == str(photo.id) and opened.json()["expiresInSeconds"] == 900
    assert httpx.get(opened.json()["url"]).content == WATERMARK_BYTES

    other = build.attendee()
    build.member(other, shop.project)
    url = f"/v1/photos/{photo.id}/shares/{body['shareId']}"
    assert main_api.delete(url, headers=bearer(other.token)).status_code == 404  # not the owner
    assert main_api.get(f"/v1/shares/{body['token']}").status_code == 200
    assert main_api.delete(url, headers=bearer(shop.buyer.token)).status_code == 204
    assert main_api.get(f"/v1/shares/{body['token']}").status_code == 404  # at once
    assert (
        main_api.delete(
            f"/v1/photos/{photo.id}/shares/{uuid.uuid4()}", headers=bearer(shop.buyer.token)
        ).status_code
        == 404
    )


def test_default_expiry_and_expired_links(main_api: TestClient, build: Factory, db: Session) -> None:
    shop = _bought_shop(build)
    created = main_api.post(f"/v1/photos/{shop.photos[0].id}/shares", headers=bearer(shop.buyer.token)).json()
    assert (
        timedelta(days=6, hours=23)
        < datetime.fromisoformat(created["expiresAt"]) - datetime.now(UTC)
        <= timedelta(days=7)
    )
    link = db.get_one(ShareLink, uuid.UUID(created["shareId"]))
    link.expires_at = datetime.now(UTC) - timedelta(seconds=1)
    db.commit()
    assert main_api.get(f"/v1/shares/{created['token']}").status_code == 404
    assert main_api.get("/v1/shares/unknown-token").status_code == 404


def test_only_buyers_share(main_api: TestClient, build: Factory) -> None:
    shop = _bought_shop(build)
    not_bought = main_api.post(f"/v1/photos/{shop.photos[1].id}/shares", headers=bearer(shop.buyer.token))
    assert not_bought.status_code == 403 and not_bought.json()["error"]["code"] == "purchase_required"
    stranger = build.attendee()
    assert (
        main_api.post(f"/v1/photos/{shop.photos[0].id}/shares", headers=bearer(stranger.token)).status_code
        == 403
    )
    member = build.attendee()
    build.member(member, shop.project)
    assert (
        main_api.post(f"/v1/photos/{shop.photos[0].id}/shares", headers=bearer(member.token)).status_code
        == 403
    )
    assert (
        main_api.post(f"/v1/photos/{uuid.uuid4()}/shares", headers=bearer(shop.buyer.token)).status_code
        == 404
    )


def test_share_validation(main_api: TestClient, build: Factory) -> None:
    shop = _bought_shop(build)
    for body in (
        {"expiresInSeconds": 59},
        {"expiresInSeconds": 31 * 24 * 3600},
        {"expiresInSeconds": "soon"},
        {"x": 1},
    ):
        response = main_api.post(
            f"/v1/photos/{shop.photos[0].id}/shares", json=body, headers=bearer(shop.buyer.token)
        )
        assert response.status_code == 422 and response.json()["error"]["code"] == "validation_error", body


def _share_page(main_api: TestClient, url: str) -> httpx.Response:
    """GET the page a share link's `url` names, on the main API under test."""
    base = get_settings().web_base_url
    assert url.startswith(f"{base}/s/")
    return main_api.get(url.removeprefix(base))


def test_share_link_opens_a_page_with_the_photo_and_the_event(
    main_api: TestClient, build: Factory, db: Session
) -> None:
    shop = _bought_shop(build)
    shop.project.name = 'Gala <b>"night"</b>'
    db.commit()
    created = main_api.post(f"/v1/photos/{shop.photos[0].id}/shares", headers=bearer(shop.buyer.token)).json()
    page = _share_page(main_api, created["url"])
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "<h1>Gala &lt;b&gt;&quot;night&quot;&lt;/b&gt;</h1>" in page.text  # escaped, not markup
    image = re.search(r'<img src="([^"]+)"', page.text)
    assert image is not None
    image_url = html.unescape(image.group(1))
    assert httpx.get(image_url).content == WATERMARK_BYTES
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(image_url))
    csp = page.headers["content-security-policy"]
    assert f"img-src {origin};" in csp and "default-src 'none'" in csp and "script-src" not in csp

    share_id = created["shareId"]
    revoked = main_api.delete(
        f"/v1/photos/{shop.photos[0].id}/shares/{share_id}", headers=bearer(shop.buyer.token)
    )
    assert revoked.status_code == 204
    gone = _share_page(main_api, created["url"])
    assert gone.status_code == 404 and gone.headers["content-type"].startswith("text/html")
    assert "no longer works" in gone.text and "<img" not in gone.text
    unknown = main_api.get("/s/not-a-token")
    assert unknown.status_code == 404 and "no longer works" in unknown.text


def test_a_refund_ends_the_buyers_share_links(main_api: TestClient, build: Factory, db: Session) -> None:
    shop = _bought_shop(build)
    created = main_api.post(f"/v1/photos/{shop.photos[0].id}/shares", headers=bearer(shop.buyer.token)).json()
    assert main_api.get(f"/v1/shares/{created['token']}").status_code == 200
    purchase = db.scalars(select(Purchase).where(Purchase.user_id == shop.buyer.id)).one()
    mark_refunded(db, purchase)
    db.commit()
    assert main_api.get(f"/v1/shares/{created['token']}").status_code == 404
    assert _share_page(main_api, created["url"]).status_code == 404

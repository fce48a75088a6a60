"""A photo the staff hid (`PATCH /v1/photos/{photoId}` on the media API) is kept but never shown to
attendees: not listed (tagged or not), not viewed, favourited or reported, not bought and not shared
anew; its buyers keep what they bought (downloads, the watermarked view, their share links)."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi.testclient import TestClient

from tests.factories import WATERMARK_BYTES, Factory, Shop, token_for
from tests.support.http import assert_error, bearer


def _set_visibility(media: TestClient, shop: Shop, photo_id: Any, visibility: str) -> None:
    response = media.patch(
        f"/v1/photos/{photo_id}",
        json={"visibility": visibility},
        headers=bearer(token_for(shop.operator, "operator")),
    )
    assert response.status_code == 200 and response.json()["visibility"] == visibility, response.text


def _listed(main_api: TestClient, token: str) -> list[str]:
    response = main_api.get("/v1/photos", headers=bearer(token))
    assert response.status_code == 200, response.text
    return [p["id"] for p in response.json()]


def _view(media: TestClient, photo_id: Any, token: str, variant: str) -> Any:
    return media.get(f"/v1/photos/{photo_id}:view", params={"variant": variant}, headers=bearer(token))


def test_a_hidden_photo_leaves_the_attendees_list_and_comes_back(
    main_api: TestClient, media: TestClient, build: Factory
) -> None:
    shop = build.shop(photos=3)
    tagged, untagged, other = shop.photos
    build.tag(shop.buyer, tagged)
    assert _listed(main_api, shop.buyer.token)[0] == str(tagged.id)
    for photo in (tagged, untagged):
        _set_visibility(media, shop, photo.id, "hidden")
    assert _listed(main_api, shop.buyer.token) == [str(other.id)]  # both parts of the list
    for photo in (tagged, untagged):
        for method, path, body in (
            ("POST", "favourite", None),
            ("POST", "report", {"reportType": "missing_tag"}),
        ):
            response = main_api.request(
                method, f"/v1/photos/{photo.id}/{path}", json=body, headers=bearer(shop.buyer.token)
            )
            assert_error(response, 404)
        assert_error(_view(media, photo.id, shop.buyer.token, "thumb-400"), 404)
    # Staff still see it, with its visibility.
    staff = media.get(f"/v1/photos/{tagged.id}", headers=bearer(token_for(shop.operator, "operator")))
    assert staff.status_code == 200 and staff.json()["visibility"] == "hidden"

    _set_visibility(media, shop, tagged.id, "visible")
    listed = _listed(main_api, shop.buyer.token)
    assert listed[0] == str(tagged.id) and set(listed) == {
        str(tagged.id),
        str(other.id),
    }  # tagged first again
    assert _view(media, tagged.id, shop.buyer.token, "thumb-400").status_code == 200


def test_a_hidden_photo_is_not_sold_or_shared_anew_but_its_buyer_keeps_it(
    main_api: TestClient, media: TestClient, build: Factory
) -> None:
    shop = build.shop(photos=2, upload=True)
    bought, unsold = shop.photos
    build.paid_purchase(shop.project, shop.buyer, [bought.id])
    share = main_api.post(f"/v1/photos/{bought.id}/shares", headers=bearer(shop.buyer.token))
    assert share.status_code == 201, share.text
    member = build.attendee(shop.project)
    for photo in shop.photos:
        _set_visibility(media, shop, photo.id, "hidden")

    # No new purchase: refused like a deleted photo.
    for photo in shop.photos:
        body = {"projectId": str(shop.project.id), "photoIds": [str(photo.id)]}
        refused = main_api.post("/v1/purchases", json=body, headers=bearer(member.token))
        assert_error(refused, 422, "photo_not_available")
    # The buyer keeps the download, the watermarked view and the share link made before.
    download = main_api.get(f"/v1/photos/{bought.id}/download", headers=bearer(shop.buyer.token))
    assert download.status_code == 200, download.text
    assert httpx.get(download.json()["downloadUrl"]).content == WATERMARK_BYTES
    assert _view(media, bought.id, shop.buyer.token, "watermarked").status_code == 200
    assert main_api.get(f"/v1/shares/{share.json()['token']}").status_code == 200
    # But no new share, and its thumbnails are gone from the buyer's view too.
    assert_error(main_api.post(f"/v1/photos/{bought.id}/shares", headers=bearer(shop.buyer.token)), 404)
    assert_error(_view(media, bought.id, shop.buyer.token, "thumb-800"), 404)
    # Whoever did not buy it gets nothing.
    assert_error(main_api.get(f"/v1/photos/{bought.id}/download", headers=bearer(member.token)), 403)
    assert_error(_view(media, bought.id, member.token, "watermarked"), 404)
    assert_error(_view(media, unsold.id, shop.buyer.token, "watermarked"), 404)

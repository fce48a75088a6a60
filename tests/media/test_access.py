"""Who may `:view` which variant (api/media/access.py) and what archiving hides from photographers."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.factories import Factory
from tests.media.calls import upload_url
from tests.support.http import assert_error, bearer


def _view(media: TestClient, photo_id: Any, token: str, variant: str) -> Any:
    return media.get(f"/v1/photos/{photo_id}:view", params={"variant": variant}, headers=bearer(token))


def test_watermarked_is_for_buyers_only(media: TestClient, build: Factory) -> None:
    t = build.tenant()
    photo, other_photo = build.uploaded_photo(t, None), build.uploaded_photo(t, None)
    buyer, member = build.attendee(t.project), build.attendee(t.project)
    for token in (buyer.token, member.token):
        for variant in ("thumb-400", "thumb-800"):
            response = _view(media, photo.id, token, variant)
            assert response.status_code == 200 and f"{variant}.jpg" in response.json()["url"], response.text
        assert_error(_view(media, photo.id, token, "watermarked"), 403, "purchase_required")
        assert_error(_view(media, photo.id, token, "original"), 403)

    build.paid_purchase(t.project, buyer, [photo.id])
    bought = _view(media, photo.id, buyer.token, "watermarked")
    assert bought.status_code == 200 and "watermarked.jpg" in bought.json()["url"]
    assert_error(_view(media, other_photo.id, buyer.token, "watermarked"), 403, "purchase_required")
    assert_error(_view(media, photo.id, member.token, "watermarked"), 403, "purchase_required")
    assert_error(_view(media, photo.id, buyer.token, "original"), 403)  # buying never gives the original


def test_archived_projects_are_hidden_from_photographers(
    media: TestClient, build: Factory, db: Session
) -> None:
    t = build.tenant()
    photo = build.uploaded_photo(t, None)
    member = build.attendee(t.project)
    t.project.status = "archived"
    db.commit()
    photographer = bearer(t.photographer_token)

    assert_error(media.get(f"/v1/photographers/me/projects/{t.project.id}/photos", headers=photographer), 404)
    assert_error(upload_url(media, t.photographer_token, t.project.id), 404)
    assert_error(_view(media, photo.id, t.photographer_token, "original"), 404)
    assert_error(media.get(f"/v1/photos/{photo.id}", headers=photographer), 404)
    assert_error(_view(media, photo.id, member.token, "thumb-400"), 404)
    # The operator still sees the project's photos.
    listed = media.get(f"/v1/operators/me/projects/{t.project.id}/photos", headers=bearer(t.operator_token))
    assert [p["id"] for p in listed.json()] == [str(photo.id)]
    assert _view(media, photo.id, t.operator_token, "original").status_code == 200


def test_archiving_ends_a_photographers_resumable_uploads(
    media: TestClient, build: Factory, db: Session
) -> None:
    t = build.tenant()
    photographer = bearer(t.photographer_token)
    started_id = upload_url(media, t.photographer_token, t.project.id).json()["photoId"]
    waiting_id = upload_url(media, t.photographer_token, t.project.id).json()["photoId"]

    def start(photo_id: str) -> Any:
        body = {"photoId": photo_id, "totalBytes": 10_000, "contentType": "image/jpeg"}
        return media.post("/v1/uploads:resumable", json=body, headers=photographer)

    started = start(started_id)
    assert started.status_code == 201, started.text
    sid = started.json()["sessionId"]
    t.project.status = "archived"
    db.commit()
    assert_error(start(waiting_id), 404)
    assert_error(media.post(f"/v1/uploads/{sid}/parts/1", headers=photographer), 404)
    assert_error(media.delete(f"/v1/uploads/{sid}", headers=photographer), 404)

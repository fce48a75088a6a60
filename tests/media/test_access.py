"""Who may `:view` which variant (api/media/access.py) and what archiving hides from photographers."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from api.models import User
from tests.factories import Attendee, Shop, Tenant, seed_tenant, seed_user
from tests.main.test_gallery import _paid_purchase
from tests.media.test_photos import _photo
from tests.media.test_uploads import _error, _upload_url
from tests.support.http import bearer


def _view(media: TestClient, photo_id: Any, token: str, variant: str) -> Any:
    return media.get(f"/v1/photos/{photo_id}:view", params={"variant": variant}, headers=bearer(token))


def _member(db: Session, t: Tenant) -> Attendee:
    user, token = seed_user(db, t.project)
    return Attendee(db.get_one(User, user.id), token)


def test_watermarked_is_for_buyers_only(media: TestClient, db: Session) -> None:
    t = seed_tenant(db)
    photo, other_photo = _photo(db, t, None), _photo(db, t, None)
    buyer, member = _member(db, t), _member(db, t)
    for token in (buyer.token, member.token):
        for variant in ("thumb-400", "thumb-800"):
            response = _view(media, photo.id, token, variant)
            assert response.status_code == 200 and f"{variant}.jpg" in response.json()["url"], response.text
        _error(_view(media, photo.id, token, "watermarked"), 403, "purchase_required")
        _error(_view(media, photo.id, token, "original"), 403)

    _paid_purchase(db, Shop(t.operator, t.project, buyer, [photo]), [photo.id])
    bought = _view(media, photo.id, buyer.token, "watermarked")
    assert bought.status_code == 200 and "watermarked.jpg" in bought.json()["url"]
    _error(_view(media, other_photo.id, buyer.token, "watermarked"), 403, "purchase_required")
    _error(_view(media, photo.id, member.token, "watermarked"), 403, "purchase_required")
    _error(_view(media, photo.id, buyer.token, "original"), 403)  # buying never gives the original


def test_archived_projects_are_hidden_from_photographers(media: TestClient, db: Session) -> None:
    t = seed_tenant(db)
    photo = _photo(db, t, None)
    member = _member(db, t)
    t.project.status = "archived"
    db.commit()
    photographer = bearer(t.photographer_token)

    _error(media.get(f"/v1/photographers/me/projects/{t.project.id}/photos", headers=photographer), 404)
    _error(_upload_url(media, t.photographer_token, t.project.id), 404)
    _error(_view(media, photo.id, t.photographer_token, "original"), 404)
    _error(media.get(f"/v1/photos/{photo.id}", headers=photographer), 404)
    _error(_view(media, photo.id, member.token, "thumb-400"), 404)
    # The operator still sees the project's photos.
    listed = media.get(f"/v1/operators/me/projects/{t.project.id}/photos", headers=bearer(t.operator_token))
    assert [p["id"] for p in listed.json()] == [str(photo.id)]
    assert _view(media, photo.id, t.operator_token, "original").status_code == 200


def test_archiving_ends_a_photographers_resumable_uploads(media: TestClient, db: Session) -> None:
    t = seed_tenant(db)
    photographer = bearer(t.photographer_token)
    started_id = _upload_url(media, t.photographer_token, t.project.id).json()["photoId"]
    waiting_id = _upload_url(media, t.photographer_token, t.project.id).json()["photoId"]

    def start(photo_id: str) -> Any:
        body = {"photoId": photo_id, "totalBytes": 10_000, "contentType": "image/jpeg"}
        return media.post("/v1/uploads:resumable", json=body, headers=photographer)

    started = start(started_id)
    assert started.status_code == 201, started.text
    sid = started.json()["sessionId"]
    t.project.status = "archived"
    db.commit()
    _error(start(waiting_id), 404)
    _error(media.post(f"/v1/uploads/{sid}/parts/1", headers=photographer), 404)
    _error(media.delete(f"/v1/uploads/{sid}", headers=photographer), 404)

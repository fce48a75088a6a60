"""Listings, deletion, delivery and retry (rolled-back transaction per test)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.models import Face, OutboxMessage, Photo
from tests.factories import Tenant, seed_tenant, seed_user
from tests.media.test_uploads import _error
from tests.support.http import bearer


def _photo(db: Session, t: Tenant, taken_at: datetime | None, status: str = "ready", **extra: Any) -> Photo:
    pid = uuid.uuid4()
    base = f"photos/{t.project.id}/{pid}"
    photo = Photo(
        id=pid,
        project_id=t.project.id,
        photographer_id=t.photographer.id,
        status=status,
        original_key=f"{base}/original.jpg",
        content_type="image/jpeg",
        size_bytes=5000,
        taken_at=taken_at,
        variants={n: f"{base}/{n}.jpg" for n in ("thumb-400", "thumb-800", "watermarked")}
        if status == "ready"
        else {},
        upload_expires_at=datetime.now(UTC),
        jobs_enqueued_at=datetime.now(UTC),
        **extra,
    )
    db.add(photo)
    db.commit()
    return photo


def test_listings_order_paginate_and_respect_tenancy(media: TestClient, db: Session) -> None:
    t, other = seed_tenant(db), seed_tenant(db)
    now = datetime.now(UTC)
    newest, older, undated = _photo(db, t, now), _photo(db, t, now - timedelta(hours=1)), _photo(db, t, None)
    processing = _photo(db, t, now - timedelta(hours=2), status="processing")
    _photo(db, t, now, status="pending_upload")  # not listed
    _photo(db, other, now)
    path = f"/v1/photographers/me/projects/{t.project.id}/photos"
    first = media.get(path, params={"limit": 2}, headers=bearer(t.photographer_token))
    assert first.status_code == 200, first.text
    assert [p["id"] for p in first.json()] == [str(newest.id), str(older.id)]
    item = first.json()[0]
    assert item["projectName"] == t.project.name and item["photographerName"] == "Ana Lens"
    assert item["thumbnailUrl"].startswith("http") and "X-Amz-Signature" in item["fullUrl"]
    rest = media.get(
        path,
        params={"limit": 2, "cursor": first.headers["X-Next-Cursor"]},
        headers=bearer(t.photographer_token),
    )
    assert [p["id"] for p in rest.json()] == [str(processing.id), str(undated.id)]
    assert rest.json()[0]["thumbnailUrl"] is None and rest.json()[1]["takenAt"] is None
    assert "X-Next-Cursor" not in rest.headers
    _error(media.get(path, params={"cursor": "garbage"}, headers=bearer(t.photographer_token)), 400)
    _error(media.get(path, params={"limit": 0}, headers=bearer(t.photographer_token)), 422)
    _error(media.get(path, headers=bearer(other.photographer_token)), 404)
    _error(media.get(path, headers=bearer(t.operator_token)), 403)
    _error(media.get(path), 401)

    op_path = f"/v1/operators/me/projects/{t.project.id}/photos"
    assert len(media.get(op_path, headers=bearer(t.operator_token)).json()) == 4
    _error(media.get(op_path, headers=bearer(other.operator_token)), 404)
    _error(media.get(op_path, headers=bearer(t.photographer_token)), 403)
    _, user_token = seed_user(db, t.project)
    _error(media.get(op_path, headers=bearer(user_token)), 401)  # no backoffice audience

    all_path = "/v1/operators/me/photos"
    mine = media.get(all_path, headers=bearer(t.operator_token)).json()
    assert {p["projectId"] for p in mine} == {str(t.project.id)} and len(mine) == 4
    filtered = media.get(
        all_path,
        params={"projectIds": f"{t.project.id},{other.project.id}", "photographerIds": str(uuid.uuid4())},
        headers=bearer(t.operator_token),
    )
    assert filtered.json() == []
    by_project = media.get(
        all_path, params={"projectIds": str(other.project.id)}, headers=bearer(t.operator_token)
    )
    assert by_project.json() == []  # another operator's project: nothing, not its photos
    _error(media.get(all_path, params={"projectIds": "nope"}, headers=bearer(t.operator_token)), 422)


def test_delete_photo_removes_rows_then_queues_object_deletion(media: TestClient, db: Session) -> None:
    t, other = seed_tenant(db), seed_tenant(db)
    photo = _photo(db, t, None)
    db.add(
        Face(
            photo_id=photo.id,
            project_id=t.project.id,
            box=[0, 0, 1, 1],
            score=1,
            quality=1,
            model="m",
            embedding_128=[0.1] * 128,
        )
    )
    db.commit()
    path = f"/v1/photographers/me/projects/{t.project.id}/photos/{photo.id}"
    _error(media.delete(path, headers=bearer(other.photographer_token)), 404)
    _error(
        media.delete(
            f"/v1/photographers/me/projects/{other.project.id}/photos/{photo.id}",
            headers=bearer(t.photographer_token),
        ),
        404,
    )
    _error(media.delete(path, headers=bearer(t.operator_token)), 403)
    assert media.delete(path, headers=bearer(t.photographer_token)).status_code == 204
    assert db.get(Photo, photo.id) is None
    assert db.scalars(select(Face).where(Face.photo_id == photo.id)).all() == []
    jobs = db.scalars(select(OutboxMessage).where(OutboxMessage.task == "delete_objects")).all()
    # Other tests commit deletion jobs too: this photo's job is the one naming its original.
    original = f"photos/{t.project.id}/{photo.id}/original.jpg"
    (job,) = [j for j in jobs if original in j.payload["keys"]]
    assert set(job.payload["keys"]) == {
        f"photos/{t.project.id}/{photo.id}/{n}.jpg"
        for n in ("original", "thumb-400", "thumb-800", "watermarked")
    }
    second = _photo(db, t, None)
    op_path = f"/v1/operators/me/projects/{t.project.id}/photos/{second.id}"
    _error(media.delete(op_path, headers=bearer(other.operator_token)), 404)
    assert media.delete(op_path, headers=bearer(t.operator_token)).status_code == 204
    _error(media.delete(op_path, headers=bearer(t.operator_token)), 404)


def test_view_urls_per_caller(media: TestClient, db: Session) -> None:
    t, other = seed_tenant(db), seed_tenant(db)
    photo = _photo(db, t, None)
    _, member = seed_user(db, t.project)
    _, stranger = seed_user(db, other.project)

    def view(token: str, variant: str) -> Any:
        return media.get(f"/v1/photos/{photo.id}:view", params={"variant": variant}, headers=bearer(token))

    for token in (t.photographer_token, t.operator_token):
        response = view(token, "original")
        assert response.status_code == 200, response.text
        assert response.json()["expiresInSeconds"] == 900 and "X-Amz-Signature" in response.json()["url"]
    _error(view(member, "watermarked"), 403, "purchase_required")  # for buyers (tests/media/test_access.py)
    assert "thumb-400.jpg" in view(member, "thumb-400").json()["url"]
    _error(view(member, "original"), 403)
    _error(view(stranger, "thumb-400"), 404)
    _error(view(other.operator_token, "thumb-400"), 404)
    _error(view(member, "huge"), 422)
    _error(media.get(f"/v1/photos/{photo.id}:view", params={"variant": "thumb-400"}), 401)
    pending = _photo(db, t, None, status="processing")
    _error(
        media.get(
            f"/v1/photos/{pending.id}:view", params={"variant": "thumb-800"}, headers=bearer(t.operator_token)
        ),
        409,
        "variant_not_ready",
    )


def test_retry_requeues_failed_photos(media: TestClient, db: Session) -> None:
    t, other = seed_tenant(db), seed_tenant(db)
    failed = _photo(db, t, None, status="failed", failure_reason="storage_error: down")
    path = f"/v1/photos/{failed.id}:retry"
    _error(media.post(path, headers=bearer(other.operator_token)), 404)
    _error(media.post(path, headers=bearer(other.photographer_token)), 404)
    _, user_token = seed_user(db, t.project)
    _error(media.post(path, headers=bearer(user_token)), 403)
    response = media.post(path, headers=bearer(t.operator_token))
    assert response.status_code == 202 and response.json()["status"] == "uploaded"
    assert db.get(Photo, failed.id).failure_reason is None  # type: ignore[union-attr]
    _error(media.post(path, headers=bearer(t.photographer_token)), 409, "not_failed")
    jobs = db.scalars(
        select(OutboxMessage).where(OutboxMessage.dedup_key.like(f"photo:{failed.id}:retry:%"))
    ).all()
    assert len(jobs) == 1 and jobs[0].task == "process_photo"

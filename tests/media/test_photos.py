"""Listings, deletion, delivery and retry (rolled-back transaction per test)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.models import Face, OutboxMessage, Photo
from tests.factories import Factory
from tests.support.http import assert_error, bearer


def test_listings_order_paginate_and_respect_tenancy(media: TestClient, build: Factory) -> None:
    t, other = build.tenant(), build.tenant()
    now = datetime.now(UTC)
    newest, older, undated = (
        build.uploaded_photo(t, now),
        build.uploaded_photo(t, now - timedelta(hours=1)),
        build.uploaded_photo(t, None),
    )
    processing = build.uploaded_photo(t, now - timedelta(hours=2), status="processing")
    build.uploaded_photo(t, now, status="pending_upload")  # not listed
    build.uploaded_photo(other, now)
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
    assert_error(media.get(path, params={"cursor": "garbage"}, headers=bearer(t.photographer_token)), 400)
    assert_error(media.get(path, params={"limit": 0}, headers=bearer(t.photographer_token)), 422)
    assert_error(media.get(path, headers=bearer(other.photographer_token)), 404)
    assert_error(media.get(path, headers=bearer(t.operator_token)), 403)
    assert_error(media.get(path), 401)

    op_path = f"/v1/operators/me/projects/{t.project.id}/photos"
    assert len(media.get(op_path, headers=bearer(t.operator_token)).json()) == 4
    assert_error(media.get(op_path, headers=bearer(other.operator_token)), 404)
    assert_error(media.get(op_path, headers=bearer(t.photographer_token)), 403)
    user_token = build.attendee(t.project).token
    assert_error(media.get(op_path, headers=bearer(user_token)), 401)  # no backoffice audience

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
    assert_error(media.get(all_path, params={"projectIds": "nope"}, headers=bearer(t.operator_token)), 422)


def test_delete_photo_removes_rows_then_queues_object_deletion(
    media: TestClient, build: Factory, db: Session
) -> None:
    t, other = build.tenant(), build.tenant()
    photo = build.uploaded_photo(t, None)
    build.face(photo, [0.1] * 128, "m", box=[0, 0, 1, 1], score=1, quality=1)
    path = f"/v1/photographers/me/projects/{t.project.id}/photos/{photo.id}"
    assert_error(media.delete(path, headers=bearer(other.photographer_token)), 404)
    assert_error(
        media.delete(
            f"/v1/photographers/me/projects/{other.project.id}/photos/{photo.id}",
            headers=bearer(t.photographer_token),
        ),
        404,
    )
    assert_error(media.delete(path, headers=bearer(t.operator_token)), 403)
    assert media.delete(path, headers=bearer(t.photographer_token)).status_code == 204
    assert db.get(Photo, photo.id) is None
    assert db.scalars(select(Face).where(Face.photo_id == photo.id)).all() == []
    jobs = db.scalars(select(OutboxMessage).where(OutboxMessage.task == "delete_objects")).all()
    # Other tests commit deletion jobs too: this photo's job is the one naming its original.
    original = f"photos/{t.project.id}/{photo.id}/original.jpg"
    (job,) = [j for j in jobs if original in j.payload.get("keys", [])]  # some delete prefixes only
    assert set(job.payload["keys"]) == {
        f"photos/{t.project.id}/{photo.id}/{n}.jpg"
        for n in ("original", "thumb-400", "thumb-800", "watermarked")
    }
    second = build.uploaded_photo(t, None)
    op_path = f"/v1/operators/me/projects/{t.project.id}/photos/{second.id}"
    assert_error(media.delete(op_path, headers=bearer(other.operator_token)), 404)
    assert media.delete(op_path, headers=bearer(t.operator_token)).status_code == 204
    assert_error(media.delete(op_path, headers=bearer(t.operator_token)), 404)


def test_view_urls_per_caller(media: TestClient, build: Factory) -> None:
    t, other = build.tenant(), build.tenant()
    photo = build.uploaded_photo(t, None)
    member = build.attendee(t.project).token
    stranger = build.attendee(other.project).token

    def view(token: str, variant: str) -> Any:
        return media.get(f"/v1/photos/{photo.id}:view", params={"variant": variant}, headers=bearer(token))

    for token in (t.photographer_token, t.operator_token):
        response = view(token, "original")
        assert response.status_code == 200, response.text
        assert response.json()["expiresInSeconds"] == 900 and "X-Amz-Signature" in response.json()["url"]
    assert_error(
        view(member, "watermarked"), 403, "purchase_required"
    )  # for buyers (tests/media/test_access.py)
    assert "thumb-400.jpg" in view(member, "thumb-400").json()["url"]
    assert_error(view(member, "original"), 403)
    assert_error(view(stranger, "thumb-400"), 404)
    assert_error(view(other.operator_token, "thumb-400"), 404)
    assert_error(view(member, "huge"), 422)
    assert_error(media.get(f"/v1/photos/{photo.id}:view", params={"variant": "thumb-400"}), 401)
    pending = build.uploaded_photo(t, None, status="processing")
    assert_error(
        media.get(
            f"/v1/photos/{pending.id}:view", params={"variant": "thumb-800"}, headers=bearer(t.operator_token)
        ),
        409,
        "variant_not_ready",
    )


def test_retry_requeues_failed_photos(media: TestClient, build: Factory, db: Session) -> None:
    t, other = build.tenant(), build.tenant()
    failed = build.uploaded_photo(t, None, status="failed", failure_reason="storage_error: down")
    path = f"/v1/photos/{failed.id}:retry"
    assert_error(media.post(path, headers=bearer(other.operator_token)), 404)
    assert_error(media.post(path, headers=bearer(other.photographer_token)), 404)
    user_token = build.attendee(t.project).token
    assert_error(media.post(path, headers=bearer(user_token)), 403)
    response = media.post(path, headers=bearer(t.operator_token))
    assert response.status_code == 202 and response.json()["status"] == "uploaded"
    assert db.get(Photo, failed.id).failure_reason is None  # type: ignore[union-attr]
    assert_error(media.post(path, headers=bearer(t.photographer_token)), 409, "not_failed")
    jobs = db.scalars(
        select(OutboxMessage).where(OutboxMessage.dedup_key.like(f"photo:{failed.id}:retry:%"))
    ).all()
    assert len(jobs) == 1 and jobs[0].task == "process_photo"

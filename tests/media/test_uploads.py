"""Presigned uploads, completion, status and resumable uploads (rolled-back transaction per test;
the objects themselves go to the real S3 server through the presigned URLs)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.core.security import issue_access_token
from api.models import OutboxMessage, Photo, Selfie, UploadSession
from api.settings import get_settings
from tests.factories import Factory
from tests.media.calls import upload_url
from tests.support.http import assert_error, bearer, put
from tests.support.images import jpeg_bytes


def _outbox(db: Session, dedup_key: str) -> int:
    return db.scalar(select(func.count()).where(OutboxMessage.dedup_key == dedup_key)) or 0


def test_photo_upload_url_presigns_a_put_bound_to_the_content_type(
    media: TestClient, build: Factory, db: Session
) -> None:
    t = build.tenant()
    response = upload_url(
        media, t.photographer_token, t.project.id, fileName="a.png", contentType="image/png"
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert set(body) == {"photoId", "uploadUrl", "key", "expiresInSeconds", "statusUrl", "headers"}
    assert body["key"] == f"photos/{t.project.id}/{body['photoId']}/original.jpg"
    assert body["expiresInSeconds"] == 600
    assert body["headers"] == {"Content-Type": "image/png"}
    photo = db.get(Photo, uuid.UUID(body["photoId"]))
    assert photo is not None and photo.status == "pending_upload" and photo.content_type == "image/png"
    assert timedelta(seconds=590) < photo.upload_expires_at - datetime.now(UTC) <= timedelta(seconds=600)
    # The type is signed (real S3/R2 refuse another; the moto server does not check signatures).
    assert "X-Amz-SignedHeaders=content-type%3Bhost" in body["uploadUrl"]
    assert put(body["uploadUrl"], jpeg_bytes(fmt="PNG"), "image/png").status_code == 200


def test_completion_rejects_another_content_type_than_signed(
    media: TestClient, build: Factory, db: Session
) -> None:
    t = build.tenant()
    body = upload_url(media, t.photographer_token, t.project.id, contentType="image/png").json()
    put(body["uploadUrl"], jpeg_bytes(), "image/jpeg")
    done = media.post(f"/v1/photos/{body['photoId']}/complete", headers=bearer(t.photographer_token))
    assert done.status_code == 202 and done.json()["status"] == "failed"
    photo = db.get(Photo, uuid.UUID(body["photoId"]))
    assert photo is not None and (photo.failure_reason or "").startswith("content_type_mismatch")


def test_backoffice_photographer_upload_url(media: TestClient, build: Factory) -> None:
    t = build.tenant()
    path = "/v1/photographers/me/photos/upload-url"
    ok = media.post(path, json={"projectId": str(t.project.id)}, headers=bearer(t.photographer_token))
    assert ok.status_code == 201
    media_only = issue_access_token(t.photographer.id, "photographer", ["media"], 0)
    assert_error(media.post(path, json={"projectId": str(t.project.id)}, headers=bearer(media_only)), 401)
    assert_error(
        media.post(path, json={"projectId": str(t.project.id)}, headers=bearer(t.operator_token)), 403
    )


@pytest.mark.parametrize(
    "extra",
    [
        {"contentType": "application/pdf"},
        {"sizeBytes": 10},
        {"sizeBytes": 60 * 1024 * 1024},
        {"unknown": 1},
        {"fileName": ""},
    ],
)
def test_photo_upload_url_validation(media: TestClient, build: Factory, extra: dict[str, Any]) -> None:
    t = build.tenant()
    assert_error(upload_url(media, t.photographer_token, t.project.id, **extra), 422, "validation_error")


def test_photo_upload_url_authorisation(media: TestClient, build: Factory) -> None:
    t, other = build.tenant(), build.tenant()
    user_token = build.attendee(t.project).token
    assert_error(media.post("/v1/photos/upload-url", json={"projectId": str(t.project.id)}), 401)
    main_only = issue_access_token(t.photographer.id, "photographer", ["backoffice"], 0)
    assert_error(upload_url(media, main_only, t.project.id), 401)
    assert_error(upload_url(media, user_token, t.project.id), 403)
    assert_error(upload_url(media, t.operator_token, t.project.id), 403)
    assert_error(upload_url(media, other.photographer_token, t.project.id), 404)  # not assigned
    assert_error(upload_url(media, t.photographer_token, other.project.id), 404)


def test_closed_projects_and_quotas(media: TestClient, build: Factory) -> None:
    closed = build.tenant(status="closed")
    assert_error(upload_url(media, closed.photographer_token, closed.project.id), 409, "project_closed")
    full = build.tenant(max_photos=1, max_storage_bytes=10_000)
    assert upload_url(media, full.photographer_token, full.project.id, sizeBytes=5000).status_code == 201
    assert_error(upload_url(media, full.photographer_token, full.project.id), 409, "photo_quota")
    roomy = build.tenant(max_storage_bytes=10_000)
    assert upload_url(media, roomy.photographer_token, roomy.project.id, sizeBytes=6000).status_code == 201
    assert_error(
        upload_url(media, roomy.photographer_token, roomy.project.id, sizeBytes=6000), 409, "storage_quota"
    )


def test_upload_urls_are_rate_limited(
    media: TestClient, build: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(get_settings(), "upload_urls_per_minute", 3)
    t = build.tenant()
    for _ in range(3):
        assert upload_url(media, t.photographer_token, t.project.id).status_code == 201
    refused = upload_url(media, t.photographer_token, t.project.id)
    assert_error(refused, 429, "upload_rate_limited")
    assert 1 <= int(refused.headers["Retry-After"]) <= 60  # what is left of the minute


def test_complete_photo_is_idempotent_and_needs_the_object(
    media: TestClient, build: Factory, db: Session
) -> None:
    t, other = build.tenant(), build.tenant()
    body = upload_url(media, t.photographer_token, t.project.id).json()
    path = f"/v1/photos/{body['photoId']}/complete"
    assert_error(media.post(path, headers=bearer(t.photographer_token)), 409, "object_not_found")
    assert put(body["uploadUrl"], jpeg_bytes(), "image/jpeg").status_code == 200
    assert_error(media.post(path, headers=bearer(other.photographer_token)), 404)
    assert_error(media.post(path), 401)
    for _ in range(2):
        done = media.post(path, headers=bearer(t.photographer_token))
        assert done.status_code == 202, done.text
        assert done.json() == {"photoId": body["photoId"], "status": "uploaded"}
    assert _outbox(db, f"photo:{body['photoId']}:process") == 1


def test_completion_rejects_a_size_other_than_declared(
    media: TestClient, build: Factory, db: Session
) -> None:
    t = build.tenant()
    data = jpeg_bytes()
    body = upload_url(media, t.photographer_token, t.project.id, sizeBytes=len(data) + 10).json()
    put(body["uploadUrl"], data, "image/jpeg")
    done = media.post(f"/v1/photos/{body['photoId']}/complete", headers=bearer(t.photographer_token))
    assert done.json()["status"] == "failed"
    status = media.get(f"/v1/photos/{body['photoId']}", headers=bearer(t.photographer_token)).json()
    assert status["failureReason"].startswith("size_mismatch")
    assert _outbox(db, f"photo:{body['photoId']}:process") == 0


def test_storage_events_need_the_secret_and_complete_uploads(
    media: TestClient, build: Factory, db: Session
) -> None:
    t = build.tenant()
    body = upload_url(media, t.photographer_token, t.project.id).json()
    put(body["uploadUrl"], jpeg_bytes(), "image/jpeg")
    event = {
        "Records": [
            {"s3": {"bucket": {"name": get_settings().s3.bucket}, "object": {"key": body["key"], "size": 1}}},
            {"s3": {"bucket": {"name": "elsewhere"}, "object": {"key": body["key"]}}},
        ]
    }
    assert_error(media.post("/internal/storage-events", json=event), 401)
    assert_error(
        media.post("/internal/storage-events", json=event, headers={"X-Wairo-Storage-Secret": "no"}), 401
    )
    headers = {"X-Wairo-Storage-Secret": get_settings().storage_events_secret}
    assert_error(media.post("/internal/storage-events", json={"Records": "x"}, headers=headers), 422)
    response = media.post("/internal/storage-events", json=event, headers=headers)
    assert response.status_code == 200 and response.json() == {"completed": 1, "ignored": 1}
    assert db.get(Photo, uuid.UUID(body["photoId"])).status == "uploaded"  # type: ignore[union-attr]
    assert _outbox(db, f"photo:{body['photoId']}:process") == 1


def test_photo_status_for_uploader_and_operator_only(media: TestClient, build: Factory) -> None:
    t, other = build.tenant(), build.tenant()
    user_token = build.attendee(t.project).token
    photo_id = upload_url(media, t.photographer_token, t.project.id).json()["photoId"]
    for token in (t.photographer_token, t.operator_token):
        body = media.get(f"/v1/photos/{photo_id}", headers=bearer(token)).json()
        assert body["id"] == photo_id and body["status"] == "pending_upload"
        assert [v["name"] for v in body["variants"]] == ["thumb-400", "thumb-800", "watermarked"]
        assert body["faceCount"] is None and body["exif"] is None
    for token in (other.photographer_token, other.operator_token):
        assert_error(media.get(f"/v1/photos/{photo_id}", headers=bearer(token)), 404)
    assert_error(media.get(f"/v1/photos/{photo_id}", headers=bearer(user_token)), 403)
    assert_error(media.get(f"/v1/photos/{photo_id}"), 401)
    assert_error(media.get("/v1/photos/not-a-uuid", headers=bearer(t.operator_token)), 422)


def test_selfie_upload_needs_consent_and_reports_status(
    media: TestClient, build: Factory, db: Session
) -> None:
    t = build.tenant()
    no_consent = build.attendee().token
    me = build.attendee(consent=True)
    token = me.token
    assert_error(media.post("/v1/selfie/upload-url", headers=bearer(no_consent)), 403, "consent_required")
    assert_error(media.post("/v1/selfie/upload-url", headers=bearer(t.photographer_token)), 403)
    assert_error(media.post("/v1/selfie/upload-url"), 401)
    assert_error(
        media.post("/v1/selfie/upload-url", json={"contentType": "text/plain"}, headers=bearer(token)), 422
    )
    assert_error(media.get("/v1/selfie", headers=bearer(token)), 404, "no_selfie")
    created = media.post("/v1/selfie/upload-url", headers=bearer(token))
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["key"].startswith(f"selfies/{me.id}/") and body["key"].endswith(".jpg")
    assert body["expiresInSeconds"] == 600
    current = media.get("/v1/selfie", headers=bearer(token)).json()
    assert current["id"] == body["selfieId"] and current["status"] == "pending_upload"
    path = f"/v1/selfie/{body['selfieId']}/complete"
    assert_error(media.post(path, headers=bearer(token)), 409, "object_not_found")
    assert_error(media.post(path, headers=bearer(no_consent)), 404)
    put(body["uploadUrl"], jpeg_bytes(), "image/jpeg")
    assert media.post(path, headers=bearer(token)).json() == {
        "selfieId": body["selfieId"],
        "status": "uploaded",
    }
    assert _outbox(db, f"selfie:{body['selfieId']}:process") == 1
    assert db.get(Selfie, uuid.UUID(body["selfieId"])).status == "uploaded"  # type: ignore[union-attr]


def test_operator_profile_picture_upload_url(media: TestClient, build: Factory) -> None:
    t = build.tenant()
    user_token = build.attendee().token
    response = media.post("/v1/operators/me/profile-picture/upload-url", headers=bearer(t.operator_token))
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"uploadUrl", "fileUrl"}
    assert body["fileUrl"] == f"operators/{t.operator.id}/profile.jpg"
    assert put(body["uploadUrl"], jpeg_bytes(), "image/jpeg").status_code == 200
    path = "/v1/operators/me/profile-picture/upload-url"
    assert_error(media.post(path, headers=bearer(t.photographer_token)), 403)
    assert_error(media.post(path, headers=bearer(user_token)), 401)  # users carry no backoffice audience
    assert_error(media.post(path, json={"sizeBytes": 1}, headers=bearer(t.operator_token)), 422)


def test_resumable_upload_round_trip(media: TestClient, build: Factory, db: Session) -> None:
    t, other = build.tenant(), build.tenant()
    data = jpeg_bytes()
    photo_id = upload_url(media, t.photographer_token, t.project.id).json()["photoId"]
    start_body = {"photoId": photo_id, "totalBytes": len(data), "contentType": "image/jpeg"}
    assert_error(
        media.post("/v1/uploads:resumable", json=start_body, headers=bearer(other.photographer_token)), 404
    )
    assert_error(
        media.post(
            "/v1/uploads:resumable", json=start_body | {"totalBytes": 5}, headers=bearer(t.photographer_token)
        ),
        422,
    )
    started = media.post("/v1/uploads:resumable", json=start_body, headers=bearer(t.photographer_token))
    assert started.status_code == 201, started.text
    session = started.json()
    assert set(session) == {"sessionId", "objectKey", "partSizeBytes", "expiresAt", "statusUrl", "headers"}
    assert session["objectKey"] == f"photos/{t.project.id}/{photo_id}/original.jpg"
    assert session["statusUrl"] == f"/v1/photos/{photo_id}" and session["headers"] == {}
    sid = session["sessionId"]
    assert_error(media.post(f"/v1/uploads/{sid}/parts/2", headers=bearer(t.photographer_token)), 422)
    assert_error(media.post(f"/v1/uploads/{sid}/parts/1", headers=bearer(other.photographer_token)), 404)
    part = media.post(f"/v1/uploads/{sid}/parts/1", headers=bearer(t.photographer_token)).json()
    assert part["partNumber"] == 1
    assert "X-Amz-SignedHeaders=host&" in part["url"]  # the part's PUT carries no signed header
    uploaded = put(part["url"], data, "image/jpeg")
    assert uploaded.status_code == 200
    assert_error(
        media.post(f"/v1/uploads/{sid}:complete", json={"parts": []}, headers=bearer(t.photographer_token)),
        422,
    )
    parts = {"parts": [{"partNumber": 1, "etag": uploaded.headers["ETag"]}]}
    assert_error(
        media.post(f"/v1/uploads/{sid}:complete", json=parts, headers=bearer(other.photographer_token)), 404
    )
    done = media.post(f"/v1/uploads/{sid}:complete", json=parts, headers=bearer(t.photographer_token))
    assert done.status_code == 200, done.text
    assert done.json() == {"photoId": photo_id, "status": "uploaded"}
    assert db.get(UploadSession, uuid.UUID(sid)).state == "completed"  # type: ignore[union-attr]
    assert_error(media.delete(f"/v1/uploads/{sid}", headers=bearer(t.photographer_token)), 409)


def test_resumable_upload_abort(media: TestClient, build: Factory, db: Session) -> None:
    t = build.tenant()
    photo_id = upload_url(media, t.photographer_token, t.project.id).json()["photoId"]
    body = {"photoId": photo_id, "totalBytes": 20_000_000, "contentType": "image/jpeg"}
    sid = media.post("/v1/uploads:resumable", json=body, headers=bearer(t.photographer_token)).json()[
        "sessionId"
    ]
    part3 = media.post(f"/v1/uploads/{sid}/parts/3", headers=bearer(t.photographer_token))
    assert part3.status_code == 200
    assert_error(media.delete(f"/v1/uploads/{sid}", headers=bearer(t.operator_token)), 403)
    assert media.delete(f"/v1/uploads/{sid}", headers=bearer(t.photographer_token)).status_code == 204
    assert db.get(Photo, uuid.UUID(photo_id)).status == "expired"  # type: ignore[union-attr]
    assert_error(
        media.post(f"/v1/uploads/{sid}/parts/1", headers=bearer(t.photographer_token)), 409, "session_ended"
    )

"""The pipeline end to end: real commits, the real broker (Valkey), a real Celery worker, S3 and the
vision analyzer (see tests/fixtures/vision.py for why the vision server is in-process)."""

from __future__ import annotations

import io
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import EndpointConnectionError
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.core.storage import default_bucket, s3
from api.models import OutboxMessage, Photo, PhotoTag, ProjectMember, Selfie
from api.settings import get_settings
from tests.factories import Factory
from tests.support.http import bearer, put, wait_until
from tests.support.images import FACE_IMAGES, exif_with_gps, jpeg_bytes


def _upload(
    media: TestClient, token: str, project_id: Any, data: bytes, content_type: str = "image/jpeg"
) -> str:
    body = media.post(
        "/v1/photos/upload-url",
        json={"projectId": str(project_id), "contentType": content_type, "sizeBytes": len(data)},
        headers=bearer(token),
    ).json()
    assert put(body["uploadUrl"], data, content_type).status_code == 200
    return str(body["photoId"])


def _settled(media: TestClient, token: str, photo_id: str) -> Callable[[], Any]:
    def check() -> Any:
        body = media.get(f"/v1/photos/{photo_id}", headers=bearer(token)).json()
        return body if body["status"] in ("ready", "failed") else None

    return check


def _object(key: str) -> bytes | None:
    try:
        return bytes(s3().get_object(Bucket=default_bucket(), Key=key)["Body"].read())
    except s3().exceptions.NoSuchKey:
        return None


def test_photo_pipeline_end_to_end_then_delete(live_media: TestClient, committed: Session) -> None:
    t = Factory(committed).tenant(timezone="Europe/Paris")
    photo_id = _upload(
        live_media, t.photographer_token, t.project.id, jpeg_bytes((1200, 900), exif_with_gps())
    )
    done = live_media.post(f"/v1/photos/{photo_id}/complete", headers=bearer(t.photographer_token))
    assert done.status_code == 202
    photo = wait_until(_settled(live_media, t.photographer_token, photo_id), what="photo ready")
    assert photo["status"] == "ready", photo
    exif = photo["exif"]
    assert (exif["make"], exif["model"], exif["lens"], exif["orientation"]) == (
        "Canon",
        "EOS R5",
        "RF 24-70mm",
        6,
    )
    assert exif["gps"] == {"lat": pytest.approx(48.8584, abs=1e-4), "lon": pytest.approx(2.29450, abs=1e-4)}
    assert exif["takenAt"] == "2024-06-01T18:30:00+02:00"  # wall clock read in the project's timezone
    assert photo["takenAt"].startswith("2024-06-01T16:30:00")
    assert (photo["width"], photo["height"]) == (900, 1200)  # orientation 6: displayed portrait
    assert photo["faceCount"] == 0 and all(v["ready"] for v in photo["variants"])
    keys = {v["name"]: v["key"] for v in photo["variants"]}
    for name, longest in (("thumb-400", 400), ("thumb-800", 800)):
        image = Image.open(io.BytesIO(_object(keys[name]) or b""))
        assert image.size == (longest * 3 // 4, longest)  # upright, longest side as named
        assert not image.info.get("progressive")  # baseline: thumbnails are small
    marked = Image.open(io.BytesIO(_object(keys["watermarked"]) or b""))
    assert marked.size == (900, 1200) and len(marked.getexif()) == 0  # no EXIF, so no GPS
    assert marked.info.get("progressive") or marked.info.get("progression")
    original = Image.open(io.BytesIO(_object(f"photos/{t.project.id}/{photo_id}/original.jpg") or b""))
    assert original.getexif().get_ifd(0x8825)  # the original keeps its GPS; the watermark does not

    deleted = live_media.delete(
        f"/v1/photographers/me/projects/{t.project.id}/photos/{photo_id}",
        headers=bearer(t.photographer_token),
    )
    assert deleted.status_code == 204
    gone = [*keys.values(), f"photos/{t.project.id}/{photo_id}/original.jpg"]
    wait_until(lambda: all(_object(k) is None for k in gone), what="objects deleted")


def test_png_without_exif_is_ready(live_media: TestClient, committed: Session) -> None:
    t = Factory(committed).tenant()
    photo_id = _upload(
        live_media, t.photographer_token, t.project.id, jpeg_bytes((640, 480), fmt="PNG"), "image/png"
    )
    live_media.post(f"/v1/photos/{photo_id}/complete", headers=bearer(t.photographer_token))
    photo = wait_until(_settled(live_media, t.photographer_token, photo_id))
    assert photo["status"] == "ready" and photo["takenAt"] is None
    assert photo["exif"]["make"] is None and photo["exif"]["gps"] is None and photo["width"] == 640


def test_corrupt_image_fails_with_a_reason(live_media: TestClient, committed: Session) -> None:
    t = Factory(committed).tenant()
    data = jpeg_bytes()[:3000]  # truncated JPEG
    photo_id = _upload(live_media, t.photographer_token, t.project.id, data)
    live_media.post(f"/v1/photos/{photo_id}/complete", headers=bearer(t.photographer_token))
    photo = wait_until(_settled(live_media, t.photographer_token, photo_id))
    assert photo["status"] == "failed" and photo["failureReason"].startswith("corrupt_image")
    retried = live_media.post(f"/v1/photos/{photo_id}:retry", headers=bearer(t.operator_token))
    assert retried.status_code == 202
    again = wait_until(_settled(live_media, t.photographer_token, photo_id))
    assert again["status"] == "failed"  # fails again, once: no crash loop


def test_storage_down_during_a_job_is_retried(
    live_media: TestClient, committed: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    from api.processing import pipeline

    real_read, calls = pipeline.read_object, []

    def flaky(bucket: str, key: str) -> bytes:
        calls.append(key)
        if len(calls) <= 2:
            raise EndpointConnectionError(endpoint_url="http://127.0.0.1:1")
        return real_read(bucket, key)

    monkeypatch.setattr(pipeline, "read_object", flaky)
    t = Factory(committed).tenant()
    photo_id = _upload(live_media, t.photographer_token, t.project.id, jpeg_bytes())
    live_media.post(f"/v1/photos/{photo_id}/complete", headers=bearer(t.photographer_token))
    photo = wait_until(_settled(live_media, t.photographer_token, photo_id))
    assert photo["status"] == "ready" and len(calls) == 3  # failed twice (1 s, 2 s backoff), then read


class Bug(Exception):
    """An error none of the pipeline's handlers expects."""


def test_unexpected_error_is_retried_then_fails_with_a_reason(
    live_media: TestClient, committed: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    from api.processing import pipeline, tasks

    calls: list[uuid.UUID] = []

    def broken(job: pipeline.PhotoJob) -> None:
        calls.append(job.id)
        raise Bug("the watermark font vanished")

    monkeypatch.setattr(pipeline, "generate_watermark", broken)
    monkeypatch.setattr(tasks, "UNEXPECTED_RETRIES", 2)  # 1 s, 2 s
    t = Factory(committed).tenant()
    photo_id = _upload(live_media, t.photographer_token, t.project.id, jpeg_bytes((640, 480)))
    live_media.post(f"/v1/photos/{photo_id}/complete", headers=bearer(t.photographer_token))
    photo = wait_until(_settled(live_media, t.photographer_token, photo_id), what="photo failed")
    assert photo["status"] == "failed"
    assert photo["failureReason"] == "processing_error: Bug: the watermark font vanished"
    assert calls == [uuid.UUID(photo_id)] * 3  # the first run and two retries


def test_reconciler_requeues_photos_stuck_in_processing(live_media: TestClient, committed: Session) -> None:
    """A run that never ended (its worker died after taking the job) leaves the photo `processing`;
    past `processing_stale_after_s` the reconciler queues it again, once per stuck run."""
    from datetime import UTC, datetime, timedelta

    from api.media.reconciler import reconcile_uploads

    t = Factory(committed).tenant()
    stale_s = get_settings().processing_stale_after_s
    started = {
        "stuck": datetime.now(UTC) - timedelta(seconds=stale_s + 60),
        "running": datetime.now(UTC) - timedelta(seconds=stale_s - 60),
    }
    ids: dict[str, str] = {}
    for name, at in started.items():
        data = jpeg_bytes((640, 480))
        ids[name] = _upload(live_media, t.photographer_token, t.project.id, data)
        photo = committed.get(Photo, uuid.UUID(ids[name]))
        assert photo is not None
        photo.status, photo.size_bytes, photo.processing_started_at = "processing", len(data), at
    committed.commit()

    assert reconcile_uploads()["requeued"] >= 1
    reconcile_uploads()  # a second pass before the job ran queues nothing more

    def requeued(name: str) -> int:
        key = f"photo:{ids[name]}:stuck:%"
        return committed.scalar(select(func.count()).where(OutboxMessage.dedup_key.like(key))) or 0

    assert (requeued("stuck"), requeued("running")) == (1, 0)
    assert wait_until(_settled(live_media, t.photographer_token, ids["stuck"]))["status"] == "ready"
    committed.expire_all()
    assert committed.get(Photo, uuid.UUID(ids["running"])).status == "processing"  # type: ignore[union-attr]


def test_broker_down_keeps_the_job_in_the_outbox(
    live_media: TestClient, committed: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kombu.exceptions import OperationalError

    import api.jobs.worker
    from api.jobs.outbox import relay_pending

    real_publish = api.jobs.worker.publish

    def down(*_: Any, **__: Any) -> None:
        raise OperationalError("Error 111 connecting to the broker. Connection refused.")

    t = Factory(committed).tenant()
    photo_id = _upload(live_media, t.photographer_token, t.project.id, jpeg_bytes())
    monkeypatch.setattr(api.jobs.worker, "publish", down)
    done = live_media.post(f"/v1/photos/{photo_id}/complete", headers=bearer(t.photographer_token))
    assert done.status_code == 202  # the upload completes; the job waits
    row = committed.scalar(
        select(OutboxMessage).where(OutboxMessage.dedup_key == f"photo:{photo_id}:process")
    )
    assert row is not None and row.sent_at is None and row.attempts >= 1
    monkeypatch.setattr(api.jobs.worker, "publish", real_publish)
    assert relay_pending() >= 1
    committed.refresh(row)
    assert row.sent_at is not None
    assert wait_until(_settled(live_media, t.photographer_token, photo_id))["status"] == "ready"


def test_completion_signalled_three_ways_enqueues_once(live_media: TestClient, committed: Session) -> None:
    from api.media.reconciler import reconcile_uploads

    t = Factory(committed).tenant()
    photo_id = _upload(live_media, t.photographer_token, t.project.id, jpeg_bytes())
    key = f"photos/{t.project.id}/{photo_id}/original.jpg"
    event = {"Records": [{"s3": {"bucket": {"name": default_bucket()}, "object": {"key": key}}}]}
    headers = {"X-Wairo-Storage-Secret": get_settings().storage_events_secret}
    assert live_media.post("/internal/storage-events", json=event, headers=headers).status_code == 200
    assert (
        live_media.post(f"/v1/photos/{photo_id}/complete", headers=bearer(t.photographer_token)).status_code
        == 202
    )
    reconcile_uploads()
    count = committed.scalar(
        select(func.count()).where(OutboxMessage.dedup_key == f"photo:{photo_id}:process")
    )
    assert count == 1
    assert wait_until(_settled(live_media, t.photographer_token, photo_id))["status"] == "ready"


def test_reconciler_completes_present_uploads_and_expires_lapsed_ones(
    live_media: TestClient, committed: Session
) -> None:
    from datetime import UTC, datetime, timedelta

    from api.media.reconciler import reconcile_uploads

    t = Factory(committed).tenant()
    present = _upload(live_media, t.photographer_token, t.project.id, jpeg_bytes())
    never = live_media.post(
        "/v1/photos/upload-url", json={"projectId": str(t.project.id)}, headers=bearer(t.photographer_token)
    ).json()["photoId"]
    lapsed = committed.get(Photo, uuid.UUID(never))
    assert lapsed is not None
    lapsed.upload_expires_at = datetime.now(UTC) - timedelta(seconds=1)
    committed.commit()
    counts = reconcile_uploads()
    assert counts["completed"] >= 1 and counts["expired"] >= 1
    committed.expire_all()
    assert committed.get(Photo, uuid.UUID(never)).status == "expired"  # type: ignore[union-attr]
    assert wait_until(_settled(live_media, t.photographer_token, present))["status"] == "ready"


@pytest.mark.skipif(not FACE_IMAGES.is_dir(), reason="the shared face photos are not present")
def test_selfie_is_approved_matched_and_rematched(
    live_media: TestClient, live_backoffice: TestClient, committed: Session
) -> None:
    build = Factory(committed)
    t = build.tenant()
    guest = build.attendee(t.project, consent=True)
    user, token = guest.user, guest.token
    selfie = live_media.post("/v1/selfie/upload-url", headers=bearer(token)).json()
    assert selfie["headers"] == {"Content-Type": "image/jpeg"}  # what the PUT is signed for
    put(
        selfie["uploadUrl"], (FACE_IMAGES / "img1.jpg").read_bytes(), selfie["headers"]["Content-Type"]
    )  # p01
    assert (
        live_media.post(f"/v1/selfie/{selfie['selfieId']}/complete", headers=bearer(token)).status_code == 202
    )

    def selfie_settled() -> Any:
        body = live_media.get("/v1/selfie", headers=bearer(token)).json()
        return body if body["status"] in ("approved", "rejected") else None

    assert wait_until(selfie_settled, timeout_s=120)["status"] == "approved"
    same, stranger = (FACE_IMAGES / "img2.jpg").read_bytes(), (FACE_IMAGES / "img47.jpg").read_bytes()
    ids = [_upload(live_media, t.photographer_token, t.project.id, d) for d in (same, stranger)]
    for pid in ids:
        live_media.post(f"/v1/photos/{pid}/complete", headers=bearer(t.photographer_token))
    for pid in ids:
        photo = wait_until(_settled(live_media, t.photographer_token, pid), timeout_s=120)
        assert photo["status"] == "ready" and photo["faceCount"] >= 1

    def tagged() -> Any:
        committed.expire_all()
        return committed.scalars(select(PhotoTag.photo_id).where(PhotoTag.user_id == user.id)).all()

    assert {str(p) for p in wait_until(tagged, timeout_s=60)} == {ids[0]}
    assert committed.get(Selfie, uuid.UUID(selfie["selfieId"])).embedding_128 is not None  # type: ignore[union-attr]
    assert committed.scalar(select(func.count()).where(ProjectMember.user_id == user.id)) == 1

    # Tags gone stale (as after a threshold change): the right one lost, a wrong one on the
    # stranger's photo. The operator's re-match goes backoffice → outbox → broker → worker → the
    # vision server's /v1/match, and puts the tags right.
    live = committed.scalars(select(PhotoTag).where(PhotoTag.user_id == user.id)).one()
    live.deleted_at = func.now()
    committed.add(PhotoTag(photo_id=uuid.UUID(ids[1]), user_id=user.id, source="auto"))
    committed.commit()
    answer = live_backoffice.post(f"/v1/projects/{t.project.id}:rematch", headers=bearer(t.operator_token))
    assert answer.status_code == 202

    def rematched() -> Any:
        committed.expire_all()
        live_tags = committed.scalars(
            select(PhotoTag.photo_id).where(PhotoTag.user_id == user.id, PhotoTag.deleted_at.is_(None))
        ).all()
        return live_tags if {str(p) for p in live_tags} == {ids[0]} else None

    assert wait_until(rematched, timeout_s=90, what="the re-match")


def test_selfie_without_a_face_is_rejected(live_media: TestClient, committed: Session) -> None:
    token = Factory(committed).attendee(consent=True).token
    selfie = live_media.post("/v1/selfie/upload-url", headers=bearer(token)).json()
    put(selfie["uploadUrl"], jpeg_bytes((640, 480)), "image/jpeg")
    live_media.post(f"/v1/selfie/{selfie['selfieId']}/complete", headers=bearer(token))

    def settled() -> Any:
        body = live_media.get("/v1/selfie", headers=bearer(token)).json()
        return body if body["status"] in ("approved", "rejected") else None

    body = wait_until(settled, timeout_s=60)
    assert body["status"] == "rejected" and body["rejectionReason"] == "no_face"


def test_reconciler_aborts_stale_multipart_uploads(live_media: TestClient, committed: Session) -> None:
    from datetime import UTC, datetime, timedelta

    from api.media.reconciler import reconcile_uploads
    from api.models import UploadSession

    t = Factory(committed).tenant()
    photo_id = live_media.post(
        "/v1/photos/upload-url", json={"projectId": str(t.project.id)}, headers=bearer(t.photographer_token)
    ).json()["photoId"]
    body = {"photoId": photo_id, "totalBytes": 20_000_000, "contentType": "image/jpeg"}
    started = live_media.post("/v1/uploads:resumable", json=body, headers=bearer(t.photographer_token))
    assert started.status_code == 201, started.text
    upload = committed.get(UploadSession, uuid.UUID(started.json()["sessionId"]))
    assert upload is not None
    upload.expires_at = datetime.now(UTC) - timedelta(seconds=1)
    committed.commit()
    assert reconcile_uploads()["aborted"] >= 1
    committed.expire_all()
    assert committed.get(UploadSession, upload.id).state == "aborted"  # type: ignore[union-attr]
    assert committed.get(Photo, uuid.UUID(photo_id)).status == "expired"  # type: ignore[union-attr]
    pending = (
        s3().list_multipart_uploads(Bucket=default_bucket(), Prefix=upload.object_key).get("Uploads", [])
    )
    assert pending == []

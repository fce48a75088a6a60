"""Storage without rows, on the real stack: objects in the moto S3 server that no row claims are
deleted once older than the upload URL's lifetime, page by page with a kept cursor, and after a
storage event."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from api.core.storage import default_bucket, s3
from api.media.sweep import sweep_page
from api.models import StorageSweepCursor
from api.settings import get_settings
from tests.factories import Factory
from tests.support.http import bearer, put, wait_until


def _put(key: str) -> datetime:
    s3().put_object(Bucket=default_bucket(), Key=key, Body=b"x" * 2048, ContentType="image/jpeg")
    modified: datetime = s3().head_object(Bucket=default_bucket(), Key=key)["LastModified"]
    return modified


def _claim(session: Session, user_id: uuid.UUID, key: str) -> None:
    """An approved selfie row that claims the object."""
    Factory(session).selfie(user_id, object_key=key, upload_expires_at=datetime.now(UTC))


def _exists(key: str) -> bool:
    return bool(s3().list_objects_v2(Bucket=default_bucket(), Prefix=key).get("KeyCount"))


def test_reconciler_sweeps_one_page_per_run_with_its_cursor(
    infra: dict[str, str], committed: Session
) -> None:
    user = Factory(committed).user()
    prefix = f"selfies/{user.id}/"
    orphan, kept, second_orphan, young = (f"{prefix}{n}.jpg" for n in ("a", "b", "c", "d"))
    for key in (orphan, kept, second_orphan):
        last_old = _put(key)
    _claim(committed, user.id, kept)
    while _put(young) <= last_old:  # LastModified has a one-second resolution
        time.sleep(0.2)
    older_than = s3().head_object(Bucket=default_bucket(), Key=young)["LastModified"]

    # Run 1: the first page (a, b): the orphan goes, the claimed selfie stays, c is not looked at.
    assert sweep_page(committed, default_bucket(), prefix, older_than, page_size=2) == [orphan]
    committed.commit()
    assert (_exists(orphan), _exists(kept), _exists(second_orphan)) == (False, True, True)
    cursor = committed.get_one(StorageSweepCursor, (default_bucket(), prefix))
    assert cursor.after_key == kept

    # Run 2 resumes after b: c goes, d is too young; the prefix is done, the cursor starts over.
    assert sweep_page(committed, default_bucket(), prefix, older_than, page_size=2) == [second_orphan]
    committed.commit()
    assert (_exists(second_orphan), _exists(young), _exists(kept)) == (False, True, True)
    committed.refresh(cursor)
    assert cursor.after_key is None


def test_selfie_uploaded_after_consent_revoked_is_swept(
    live_media: TestClient, live_main: TestClient, committed: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The case of the issue: the URL was issued before the revocation deleted the selfie's row;
    the late PUT leaves an object nothing claims. Its storage event queues `sweep_object`, which
    deletes it once older than the upload URL's lifetime (shortened here to one second)."""
    token = Factory(committed).attendee(consent=True).token
    issued = live_media.post(
        "/v1/selfie/upload-url", json={"contentType": "image/jpeg"}, headers=bearer(token)
    )
    assert issued.status_code in (200, 201), issued.text
    assert live_main.delete("/v1/consent/biometric", headers=bearer(token)).status_code == 204
    body = issued.json()
    assert put(body["uploadUrl"], b"\xff\xd8" + b"x" * 4096, "image/jpeg").status_code == 200
    assert _exists(body["key"])

    monkeypatch.setattr(get_settings(), "upload_url_ttl_s", 1)
    event = {"Records": [{"s3": {"bucket": {"name": default_bucket()}, "object": {"key": body["key"]}}}]}
    headers = {"X-Wairo-Storage-Secret": get_settings().storage_events_secret}
    reported = live_media.post("/internal/storage-events", json=event, headers=headers)
    assert reported.json() == {"completed": 0, "ignored": 1}
    wait_until(lambda: not _exists(body["key"]), what="the orphan selfie swept")


def test_claimed_and_unswept_objects_are_never_swept(infra: dict[str, str], committed: Session) -> None:
    user = Factory(committed).user()
    key = f"selfies/{user.id}/{uuid.uuid4()}.jpg"
    _put(key)
    _claim(committed, user.id, key)
    later = datetime.now(UTC) + timedelta(days=1)
    assert sweep_page(committed, default_bucket(), f"selfies/{user.id}/", later) == []
    other = f"operators/{uuid.uuid4()}/profile.jpg"  # outside the swept prefixes
    _put(other)
    assert sweep_page(committed, default_bucket(), other, later) == []
    committed.commit()
    assert _exists(key) and _exists(other)

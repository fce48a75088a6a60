"""The vision service down: photos wait in `processing` and finish when it is back."""

from __future__ import annotations

import httpx

from tests.factories import Tenant
from tests.faults.flows import assert_processed_once, complete, upload, wait_settled
from tests.faults.harness import FaultStack
from tests.support.http import wait_until
from tests.support.images import face_jpeg


def test_vision_down_photos_wait_in_processing_then_finish(
    faults: FaultStack, tenant: Tenant, media: httpx.Client
) -> None:
    """With the vision server process stopped, uploaded photos go through their other steps, their
    face detection fails (connection refused) and is retried with backoff: they stay `processing`,
    never `failed`. The vision server is started again; the next retry finds it and they are ready.

    Nothing lost, nothing twice: each photo is ready with its four objects and one set of faces."""
    photo_ids = [upload(media, tenant, face_jpeg()) for _ in range(2)]
    before = faults.totals()
    log_from = faults.log_size("worker")
    faults.stop_vision()
    try:
        for photo_id in photo_ids:
            complete(media, tenant, photo_id)

        def retried() -> bool:
            log = faults.log("worker", log_from)
            return all(f"photo {pid}: vision unavailable, retrying" in log for pid in photo_ids)

        wait_until(retried, 90, "face detection to fail and be retried")
        for photo_id in photo_ids:
            photo = faults.photo(photo_id)
            assert photo.status == "processing" and photo.face_count is None, photo.failure_reason
            assert len(photo.variants) == 3  # the steps before face detection are done
    finally:
        faults.start_vision()

    settled = wait_settled(media, tenant, photo_ids, timeout_s=150)
    assert [settled[pid]["status"] for pid in photo_ids] == ["ready", "ready"]
    assert_processed_once(faults, tenant, photo_ids)
    after = faults.totals()
    assert after.photos == before.photos and after.objects == before.objects + 3 * len(photo_ids)
    assert after.faces == before.faces + sum(faults.photo(pid).face_count or 0 for pid in photo_ids)

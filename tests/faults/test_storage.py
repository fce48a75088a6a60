"""Storage errors during processing: retried with backoff, then a clear `failed` state; a photo
whose storage comes back in time is processed; a photo whose original is gone fails at once."""

from __future__ import annotations

import httpx

from tests.factories import Tenant
from tests.faults.flows import assert_processed_once, complete, upload, wait_settled
from tests.faults.harness import FaultStack
from tests.support.http import bearer, wait_until
from tests.support.images import jpeg_bytes

STORAGE_RETRIES = 5  # api/processing/tasks.py: 1 + 2 + 4 + 8 + 16 s of backoff, then `failed`


def _retries(faults: FaultStack, photo_id: str, log_from: int) -> int:
    return faults.log("worker", log_from).count(f"photo {photo_id}: storage error, retrying")


def test_storage_errors_are_retried_then_fail_clearly_or_recover(
    faults: FaultStack, tenant: Tenant, media: httpx.Client
) -> None:
    """The worker loses storage (the proxy it reaches S3 through is killed; the objects stay):

    - `lost`: completed while storage is down, its job fails to read the original, is retried
      with backoff STORAGE_RETRIES times and then the photo is `failed` with a `storage_error`
      reason; once storage is back, the retry endpoint processes it;
    - `recovers`: completed while storage is down, retried, and ready once storage is back;
    - `missing`: completed while storage is down, its original then deleted: once storage answers
      again the job finds no object and the photo is `failed` (`original_missing`) without retrying.

    Nothing lost: `lost` and `recovers` end ready with their four objects (the failure kept the
    original), `missing` has no object and no variant; the photo rows are the three uploaded."""
    data = jpeg_bytes((800, 600))
    before = faults.totals()
    log_from = faults.log_size("worker")
    faults.stop_storage()  # before the uploads: the reconciler (beat) cannot complete them meanwhile
    try:
        lost, recovers, missing = (upload(media, tenant, data) for _ in range(3))  # PUT to S3 itself
        complete(media, tenant, lost)
        failed = wait_settled(media, tenant, [lost], timeout_s=150)[lost]
        assert failed["status"] == "failed" and failed["failureReason"].startswith("storage_error"), failed
        assert _retries(faults, lost, log_from) == STORAGE_RETRIES

        complete(media, tenant, recovers)
        complete(media, tenant, missing)
        wait_until(
            lambda: _retries(faults, recovers, log_from) and _retries(faults, missing, log_from),
            60,
            "both jobs to be retried",
        )
        faults.s3().delete_object(
            Bucket=faults.bucket, Key=f"photos/{tenant.project.id}/{missing}/original.jpg"
        )
        for photo_id in (recovers, missing):
            assert faults.photo(photo_id).status == "processing"
    finally:
        faults.start_storage()

    settled = wait_settled(media, tenant, [recovers, missing], timeout_s=120)
    assert settled[recovers]["status"] == "ready"
    assert settled[missing]["status"] == "failed"
    assert settled[missing]["failureReason"].startswith("original_missing")
    retried = media.post(f"/v1/photos/{lost}:retry", headers=bearer(tenant.operator_token))
    assert retried.status_code == 202, retried.text
    assert wait_settled(media, tenant, [lost])[lost]["status"] == "ready"

    assert_processed_once(faults, tenant, [lost, recovers])
    assert faults.objects(f"photos/{tenant.project.id}/{missing}/") == {}
    assert faults.photo(missing).variants == {}
    after = faults.totals()
    assert after.photos == before.photos + 3
    assert after.objects == before.objects + 4 + 4
    assert after.outbox_unsent == 0

"""A worker killed mid-job: the job runs again (late acknowledgement) and, its steps being
idempotent, the photo ends `ready` exactly once."""

from __future__ import annotations

import time

import httpx

from tests.factories import Tenant
from tests.faults.flows import assert_processed_once, complete, upload, wait_settled
from tests.faults.harness import SHORT_VISIBILITY_TIMEOUT_S, FaultStack
from tests.support.http import wait_until
from tests.support.images import face_jpeg


def _caught_in_vision(faults: FaultStack, media: httpx.Client, tenant: Tenant) -> tuple[str, str]:
    """Upload a photo and let its job run until its vision call, where the vision server holds it:
    by then metadata, thumbnails and watermark are done and recorded. Returns (photo id, key)."""
    faults.hold_vision()
    photo_id = upload(media, tenant, face_jpeg())
    key = f"photos/{tenant.project.id}/{photo_id}/original.jpg"
    complete(media, tenant, photo_id)
    wait_until(lambda: faults.vision_requests(key) == 1, 90, "the job to reach its vision call")
    photo = faults.photo(photo_id)
    assert photo.status == "processing" and len(photo.variants) == 3 and photo.face_count is None
    return photo_id, key


def test_pool_process_killed_mid_job_runs_it_again_at_once(
    faults: FaultStack, tenant: Tenant, media: httpx.Client
) -> None:
    """SIGKILL the pool process running the job (as the OOM killer would): the worker sees it lost
    and, the job being acknowledged late with `task_reject_on_worker_lost`, puts it back in the
    queue at once; a new pool process runs it again, skipping the steps already recorded.

    Nothing lost, nothing twice: the photo is ready with one set of faces and its four objects,
    the variants written before the kill were not written again, and the job ran twice."""
    photo_id, key = _caught_in_vision(faults, media, tenant)
    prefix = f"photos/{tenant.project.id}/{photo_id}/"
    written = faults.last_modified(prefix)
    before = faults.totals()
    [pool] = faults.worker_pool()
    pool.kill()
    pool.wait(10)
    faults.release_vision()

    assert wait_settled(media, tenant, [photo_id])[photo_id]["status"] == "ready"
    assert faults.vision_requests(key) == 2  # the job ran again
    assert_processed_once(faults, tenant, [photo_id])
    assert faults.last_modified(prefix) == written  # its finished steps were skipped
    after = faults.totals()
    assert (after.photos, after.objects) == (before.photos, before.objects)
    assert after.faces == before.faces + (faults.photo(photo_id).face_count or 0)
    assert faults.alive("worker") and [p.pid for p in faults.worker_pool()] != [pool.pid]


def test_worker_killed_mid_job_runs_it_again_on_a_new_worker(
    faults: FaultStack, tenant: Tenant, media: httpx.Client
) -> None:
    """SIGKILL the whole worker (its main process and pool, as a node crash does) mid-job. The job,
    taken but never acknowledged, stays in the broker's unacked set and the photo stays
    `processing`; a new worker started afterwards takes the job back once it has been unacked for
    longer than the broker's visibility timeout, and runs it again.

    The timeout is WAIRO_BROKER_VISIBILITY_TIMEOUT_S: one hour by default (it must exceed the
    longest job and retry countdown, or live workers' jobs are delivered twice); the new worker here
    runs with a few seconds so the test does not wait an hour. The rest of the fault stack keeps
    the default (the next test gets a worker with it again).

    Nothing lost, nothing twice: the photo is ready with one set of faces and its four objects."""
    photo_id, key = _caught_in_vision(faults, media, tenant)
    before = faults.totals()
    faults.kill_worker()
    faults.release_vision()
    broker = faults.redis()
    job_id = str(faults.job(f"photo:{photo_id}:process").id)  # the Celery task id
    [tag] = [t for t, message in broker.hgetall("unacked").items() if job_id.encode() in message]
    delivered_at = broker.zscore("unacked_index", tag)
    assert delivered_at is not None and faults.photo(photo_id).status == "processing"

    wait_until(
        lambda: time.time() - delivered_at > SHORT_VISIBILITY_TIMEOUT_S + 1,
        30,
        "the job to be unacked for longer than the visibility timeout",
    )
    faults.start_worker(visibility_timeout_s=SHORT_VISIBILITY_TIMEOUT_S)
    assert wait_settled(media, tenant, [photo_id])[photo_id]["status"] == "ready"
    assert faults.vision_requests(key) == 2  # the job ran again, on the new worker
    assert_processed_once(faults, tenant, [photo_id])
    wait_until(lambda: broker.zscore("unacked_index", tag) is None, 30, "the job to be acknowledged")
    after = faults.totals()
    assert (after.photos, after.objects) == (before.photos, before.objects)
    assert after.faces == before.faces + (faults.photo(photo_id).face_count or 0)

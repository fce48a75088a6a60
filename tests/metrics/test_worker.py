"""The worker's exporter after a real job: a Celery worker process with the prefork pool (the
chart's) and PROMETHEUS_MULTIPROC_DIR, consuming a dedicated project's own queue (so no other
worker of the session takes its jobs), processes a photo uploaded through the media API; its main
process, which runs no job, serves the job counter, the duration and the time-to-ready histograms
its pool processes wrote, and the depth of the queue it consumes."""

from __future__ import annotations

import os
import socket
import uuid
from pathlib import Path

import httpx
from fastapi.testclient import TestClient
from prometheus_client.samples import Sample
from sqlalchemy.orm import Session

from api.apps.media import create_app as create_media
from api.core.metrics import MULTIPROC_ENV
from api.jobs.metrics import QueueDepthCollector
from api.jobs.worker import celery_app
from tests.factories import Factory
from tests.media.calls import upload_url
from tests.support.http import bearer, put, wait_until
from tests.support.images import jpeg_bytes
from tests.support.metrics import scrape, total
from wairo_contracts.project import WORKER_CELERY_APP, queue_name
from wairo_dev.stack.processes import Supervisor, free_port, wait_for

ROOT = Path(__file__).resolve().parents[2]


def _start_worker(sup: Supervisor, queue: str, multiproc_dir: Path) -> str:
    """A prefork worker of two pool processes on `queue`; the URL of its exporter."""
    port = free_port()
    sup.env = {**os.environ, MULTIPROC_ENV: str(multiproc_dir), "WAIRO_WORKER_METRICS_PORT": str(port)}
    node = f"metrics-{uuid.uuid4().hex[:8]}@{socket.gethostname()}"
    worker = sup.python(
        "worker",
        [
            *("-m", "celery", "-A", WORKER_CELERY_APP, "worker", "--pool", "prefork", "--concurrency", "2"),
            *("-Q", queue, "-n", node, "--loglevel", "INFO"),
        ],
        cwd=ROOT,
    )
    url = f"http://127.0.0.1:{port}/metrics"
    wait_for(lambda: httpx.get(url, timeout=2).status_code == 200, "the worker's exporter", 120, proc=worker)
    wait_for(lambda: " ready." in worker.log_path.read_text(errors="replace"), "the worker", 120, proc=worker)
    return url


def test_a_processed_photo_moves_the_job_and_time_to_ready_series(
    vision_server: str, committed: Session, sup: Supervisor, multiproc_dir: Path
) -> None:
    tenant = Factory(committed).tenant(dedicated_workers=1)
    queue = queue_name(str(tenant.project.id))
    exporter = _start_worker(sup, queue, multiproc_dir)
    before = scrape(exporter)
    assert total(before, "wairo_jobs_total") == 0

    with TestClient(create_media(), raise_server_exceptions=False) as media:
        data = jpeg_bytes()
        body = upload_url(
            media, tenant.photographer_token, tenant.project.id, contentType="image/jpeg"
        ).json()
        assert put(body["uploadUrl"], data, "image/jpeg").status_code == 200
        photo = f"/v1/photos/{body['photoId']}"
        assert media.post(f"{photo}/complete", headers=bearer(tenant.photographer_token)).status_code == 202

        def counted() -> list[Sample] | None:
            samples = scrape(exporter)
            return samples if total(samples, "wairo_jobs_total", task="process_photo") else None

        after = wait_until(counted, timeout_s=120, what="the job counted on the worker's exporter")
        assert media.get(photo, headers=bearer(tenant.photographer_token)).json()["status"] == "ready"
        assert total(after, "wairo_jobs_total", task="process_photo", outcome="success") == 1
        assert total(after, "wairo_job_duration_seconds_count", task="process_photo", outcome="success") == 1
        assert total(after, "wairo_job_duration_seconds_sum", task="process_photo") > 0
        assert total(after, "wairo_photo_time_to_ready_seconds_count") == 1
        assert total(after, "wairo_photo_time_to_ready_seconds_bucket", le="+Inf") == 1
        assert total(after, "wairo_photo_time_to_ready_seconds_sum") > 0
        depth = [s for s in after if s.name == "wairo_queue_depth"]
        assert [(s.labels, s.value) for s in depth] == [({"queue": queue}, 0.0)]  # what it consumes: drained
        # The samples came from the pool processes (files named by their pids), not the exporter's.
        pids = {int(path.stem.rsplit("_", 1)[1]) for path in multiproc_dir.glob("*.db")}
        assert pids - {sup.children[0].popen.pid}


def test_queue_depth_counts_waiting_messages(infra: dict[str, str]) -> None:
    """The gauge reads the broker: messages published to a queue no worker consumes are counted."""
    queue = f"wairo.metrics-check.{uuid.uuid4().hex[:8]}"
    collector = QueueDepthCollector(celery_app, [queue])
    (empty,) = collector.collect()
    assert [s.value for s in empty.samples] == [0.0]
    for _ in range(3):
        celery_app.send_task("never_run", queue=queue)
    try:
        (family,) = collector.collect()
        assert [(s.labels, s.value) for s in family.samples] == [({"queue": queue}, 3.0)]
    finally:
        with celery_app.connection_for_write() as conn:
            conn.default_channel.queue_delete(queue)

"""Pipeline benchmark: `python -m bench.pipeline --photos 200`.

Ingests N generated photos through the real path (presign → PUT to S3 → complete → outbox → broker
→ Celery worker process: EXIF, thumbnails, watermark, faces → ready) on the embedded stack (Postgres,
moto S3, Valkey as processes; the media API in-process; a real worker + beat), and compares with a
baseline measured in the same run: the same N photos processed inline in one process by the same
image functions and the same face analyzer, no queue, no storage. Reports photos/s and p50/p95
time-to-ready (from the upload URL request; for the baseline, every photo is submitted at t0).
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
from PIL import Image


def make_photos(n: int, size: tuple[int, int]) -> list[bytes]:
    out = []
    for i in range(n):
        bands = (
            Image.linear_gradient("L").resize(size),
            Image.effect_noise(size, 20 + i % 40).convert("L"),
            Image.radial_gradient("L").resize(size),
        )
        exif = Image.Exif()
        exif[0x010F], exif[0x0110], exif[0x0112] = "Canon", "EOS R5", 1 + i % 8
        exif.get_ifd(0x8769)[0x9003] = f"2024:06:01 18:{i // 60 % 60:02d}:{i % 60:02d}"
        buf = io.BytesIO()
        Image.merge("RGB", bands).save(buf, "JPEG", quality=88, exif=exif)
        out.append(buf.getvalue())
    return out


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def baseline(photos: list[bytes], analyzer: Any) -> tuple[float, list[float]]:
    """Inline, one process: decode, EXIF, thumbnails, watermark, faces; no queue, no storage."""
    from api.processing import exif, images
    from vision.imaging import decode_image

    start = time.perf_counter()
    ready = []
    for data in photos:
        image = images.open_image(data)
        exif.extract(image, "Europe/Paris")
        images.thumbnails(image)
        images.watermark(image, "© Lumen Studio")
        analyzer.analyze([decode_image(data)])
        ready.append(time.perf_counter() - start)
    return time.perf_counter() - start, ready


def pipeline(photos: list[bytes], clients: int) -> tuple[float, list[float], int]:
    """Through the media API, S3, the outbox, the broker and the worker process."""
    from fastapi.testclient import TestClient
    from sqlalchemy import select

    from api.apps.media import create_app
    from api.core.db import session_scope
    from api.core.security import issue_access_token
    from api.models import Operator, Photo, Photographer, Project, ProjectPhotographer

    with session_scope() as session:
        operator = Operator(
            name="Lumen Studio", email=f"bench-{uuid.uuid4().hex[:8]}@x.io", password_hash="x"
        )
        session.add(operator)
        session.flush()
        photographer = Photographer(
            operator_id=operator.id, name="Ana", email=f"ph-{uuid.uuid4().hex[:8]}@x.io", password_hash="x"
        )
        project = Project(operator_id=operator.id, name="Bench", status="live", timezone="Europe/Paris")
        session.add_all([photographer, project])
        session.flush()
        session.add(ProjectPhotographer(project_id=project.id, photographer_id=photographer.id))
        project_id, token = project.id, issue_access_token(photographer.id, "photographer", ["media"], 0)
    api = TestClient(create_app())
    headers = {"Authorization": f"Bearer {token}"}
    submitted: dict[uuid.UUID, float] = {}
    start = time.perf_counter()

    def ingest(data: bytes) -> None:
        t0 = time.perf_counter()
        body = api.post(
            "/v1/photos/upload-url",
            json={"projectId": str(project_id), "sizeBytes": len(data)},
            headers=headers,
        ).json()
        httpx.put(body["uploadUrl"], content=data, headers={"Content-Type": "image/jpeg"}, timeout=60)
        submitted[uuid.UUID(body["photoId"])] = t0 - start
        done = api.post(f"/v1/photos/{body['photoId']}/complete", headers=headers)
        assert done.status_code == 202, done.text

    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(ingest, photos))
    ready_at: dict[uuid.UUID, float] = {}
    failed = 0
    deadline = time.monotonic() + 60 + 5 * len(photos)
    while len(ready_at) + failed < len(photos) and time.monotonic() < deadline:
        with session_scope() as session:
            rows = session.execute(select(Photo.id, Photo.status).where(Photo.project_id == project_id)).all()
        now = time.perf_counter() - start
        failed = sum(1 for _, s in rows if s == "failed")
        for pid, status in rows:
            if status == "ready" and pid not in ready_at:
                ready_at[pid] = now
        time.sleep(0.2)
    total = max(ready_at.values(), default=time.perf_counter() - start)
    return total, [ready_at[p] - submitted[p] for p in ready_at], failed


def _use_stack_settings() -> None:
    """This process read no settings yet, but drop any cached ones: the stack set WAIRO_* now."""
    from api.core import ratelimit, storage
    from api.core.db import get_engine, get_sessionmaker
    from api.jobs.worker import celery_app
    from api.settings import get_settings

    storage.reset_clients()
    for cached in (get_settings, get_engine, get_sessionmaker):
        cached.cache_clear()
    ratelimit.redis_client.cache_clear()
    celery_app.conf.broker_url = celery_app.conf.result_backend = get_settings().broker_url


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.pipeline", description=__doc__)
    parser.add_argument("--photos", type=int, default=200)
    parser.add_argument("--size", default="1024x768", help="WIDTHxHEIGHT of the generated photos")
    parser.add_argument("--clients", type=int, default=8, help="concurrent uploaders")
    parser.add_argument("--concurrency", type=int, default=2, help="worker processes")
    args = parser.parse_args(argv)
    width, height = (int(v) for v in args.size.lower().split("x"))

    from bench.pipeline.vision_server import VisionServer
    from wairo_dev.stack import components
    from wairo_dev.stack.processes import free_port
    from wairo_dev.stack.stack import Stack, StackConfig

    print(f"Generating {args.photos} photos of {width}x{height}…", flush=True)
    photos = make_photos(args.photos, (width, height))
    vision = VisionServer(free_port()).start()
    print("Baseline: inline in one process…", flush=True)
    base_total, base_ready = baseline(photos, vision.analyzer)

    os.environ["WAIRO_VISION_URL"] = vision.url
    os.environ["WAIRO_ENV"] = "test"
    # One photographer uploads all N: lift the per-user rate limit (100 URLs/min) for the measurement.
    os.environ["WAIRO_UPLOAD_URLS_PER_MINUTE"] = str(max(100, 2 * args.photos))
    data_dir = Path(tempfile.mkdtemp(prefix="wairo-bench-pipeline-"))
    config = StackConfig.infrastructure(
        data_dir,
        external={"STRIPE_API_BASE": "http://127.0.0.1:9"},  # payments play no part here
    )
    stack = Stack(config)
    try:
        print("Starting Postgres, S3, Valkey and a worker…", flush=True)
        stack.start()
        _use_stack_settings()
        components.start_worker(stack.sup, data_dir, concurrency=args.concurrency)
        time.sleep(5)  # the worker connects to the broker
        dead = stack.sup.dead()
        if dead:
            print(f"the worker did not start; see {dead[0].log_path}", file=sys.stderr)
            return 1
        print("Pipeline: presign → PUT → complete → queue → worker…", flush=True)
        pipe_total, pipe_ready, failed = pipeline(photos, args.clients)
    finally:
        stack.stop()
        vision.shutdown()

    n = args.photos
    rows = [
        (
            "inline baseline (1 process)",
            n / base_total,
            percentile(base_ready, 0.5),
            percentile(base_ready, 0.95),
        ),
        (
            f"pipeline ({args.concurrency} worker processes)",
            len(pipe_ready) / pipe_total if pipe_ready else 0.0,
            percentile(pipe_ready, 0.5) if pipe_ready else float("nan"),
            percentile(pipe_ready, 0.95) if pipe_ready else float("nan"),
        ),
    ]
    print(f"\n{n} photos {width}x{height}, {os.cpu_count()} CPUs; ready {len(pipe_ready)}, failed {failed}")
    print(f"{'run':<34} {'photos/s':>9} {'p50 ready s':>12} {'p95 ready s':>12}")
    for name, rate, p50, p95 in rows:
        print(f"{name:<34} {rate:>9.2f} {p50:>12.2f} {p95:>12.2f}")
    ratio = rows[1][1] / rows[0][1] if rows[0][1] else float("nan")
    print(f"throughput: {rows[1][1]:.2f} photos/s vs {rows[0][1]:.2f} inline (x{ratio:.2f})")
    print(f"p50 time-to-ready: {rows[1][2]:.2f} s vs {rows[0][2]:.2f} s inline")
    print(f"p95 time-to-ready: {rows[1][3]:.2f} s vs {rows[0][3]:.2f} s inline")
    return 0 if len(pipe_ready) == n else 1


if __name__ == "__main__":
    sys.exit(main())

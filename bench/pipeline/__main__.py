"""Pipeline benchmark: `python -m bench.pipeline --photos 200`.

Ingests N generated photos through the real path (presign → PUT to S3 → complete → outbox → broker
→ Celery worker: EXIF, thumbnails, watermark, faces through the vision service → ready), every
part its own process: Postgres, moto S3, Valkey, the media API (uvicorn), the worker and beat, the
vision stand-in (bench/pipeline/vision_server.py: the real dlib analyzer behind the service's HTTP
contract); this process only uploads, as the photographer's client. It compares with a baseline
measured in the same run, while the stack is up and idle: the same N photos processed inline in
this process by the same image functions and the same face analyzer, one at a time, no queue, no
storage.

Reports photos/s, p50/p95 time-to-ready (from the upload-URL request; for the baseline, every
photo is submitted at t0) and the CPU seconds per photo of every process (/proc utime + stime, with
the children each has, measured before and after each path; bench/cpu.py).
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from PIL import Image

from bench.cpu import CpuMeter, child_named, per_photo_ms, snapshot

# The stack's processes, in the order reported; the uploader (this process) is the client's side.
PLATFORM = ("API", "worker", "beat", "vision", "Postgres", "S3", "broker")
INLINE = "inline process"
UPLOADER = "uploader (client)"


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
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


@dataclass
class Run:
    """One path's figures: wall time, per-photo time-to-ready, CPU seconds by process."""

    name: str
    seconds: float
    ready: list[float]
    cpu: dict[str, float]

    @property
    def rate(self) -> float:
        return len(self.ready) / self.seconds if self.ready and self.seconds else 0.0


def baseline(photos: list[bytes], analyzer: Any) -> tuple[float, list[float]]:
    """Inline, one process: decode, EXIF, thumbnails, watermark, faces; no queue, no storage."""
    from api.processing import exif, images
    from vision.imaging import decode_image

    start = time.perf_counter()
    ready = []
    for data in photos:
        exif.extract(images.open_image(data), "Europe/Paris")
        upright = images.decode_upright(data)
        for thumbnail in images.thumbnails(upright).values():
            images.encode_thumbnail(thumbnail)
        images.encode_watermark(images.watermark(upright, "© Lumen Studio"))
        analyzer.analyze([decode_image(data)])
        ready.append(time.perf_counter() - start)
    return time.perf_counter() - start, ready


def make_tenant() -> tuple[uuid.UUID, str]:
    """A live project with one photographer; returns (project id, the photographer's media token)."""
    from api.core.db import session_scope
    from api.core.security import issue_access_token
    from api.models import Operator, Photographer, Project, ProjectPhotographer

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
        return project.id, issue_access_token(photographer.id, "photographer", ["media"], 0)


def pipeline(api_url: str, photos: list[bytes], clients: int) -> tuple[float, list[float], int]:
    """Through the media API, S3, the outbox, the broker, the worker and the vision service; the
    uploaders share one HTTP client (connections kept alive, one TLS context)."""
    from sqlalchemy import select

    from api.core.db import session_scope
    from api.models import Photo

    project_id, token = make_tenant()
    headers = {"Authorization": f"Bearer {token}"}
    submitted: dict[uuid.UUID, float] = {}
    http = httpx.Client(base_url=api_url, timeout=60, limits=httpx.Limits(max_keepalive_connections=clients))
    start = time.perf_counter()

    def ingest(data: bytes) -> None:
        t0 = time.perf_counter()
        body = http.post(
            "/v1/photos/upload-url",
            json={"projectId": str(project_id), "sizeBytes": len(data)},
            headers=headers,
        ).json()
        put = http.put(body["uploadUrl"], content=data, headers={"Content-Type": "image/jpeg"})
        assert put.status_code == 200, put.text
        submitted[uuid.UUID(body["photoId"])] = t0 - start
        done = http.post(f"/v1/photos/{body['photoId']}/complete", headers=headers)
        assert done.status_code == 202, done.text

    with http, ThreadPoolExecutor(clients) as pool:
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
        time.sleep(0.25)
    total = max(ready_at.values(), default=time.perf_counter() - start)
    return total, [ready_at[p] - submitted[p] for p in ready_at], failed


def _use_stack_settings() -> None:
    """This process read no settings yet, but drop any cached ones: the stack set WAIRO_* now."""
    from api.core import storage
    from api.core.db import get_engine, get_sessionmaker
    from api.settings import get_settings

    storage.reset_clients()
    for cached in (get_settings, get_engine, get_sessionmaker):
        cached.cache_clear()


def cpu_table(queued: Run, inline: Run, photos: int) -> list[str]:
    """CPU ms per photo by process: the queued path's, and what each spent during the inline run
    (the inline process's work; the idle stack's background for the others)."""
    lines = [f"{'CPU ms per photo':<26} {'queued':>9} {'inline':>9}"]
    for name in (INLINE, *PLATFORM):
        q = per_photo_ms(queued.cpu, photos, [name]) if name in queued.cpu else float("nan")
        i = per_photo_ms(inline.cpu, photos, [name])
        note = "" if name == INLINE else "  (idle during inline)"
        lines.append(f"  {name:<24} {q:>9.1f} {i:>9.1f}{note}")
    q_total = per_photo_ms(queued.cpu, photos, PLATFORM)
    i_total = per_photo_ms(inline.cpu, photos, [INLINE])
    lines.append(f"  {'total (platform)':<24} {q_total:>9.1f} {i_total:>9.1f}")
    lines.append(f"  {UPLOADER:<24} {per_photo_ms(queued.cpu, photos, [UPLOADER]):>9.1f}")
    ratio = q_total / i_total if i_total else float("nan")
    lines.append(f"queued CPU per photo: {q_total:.0f} ms vs {i_total:.0f} ms inline (x{ratio:.2f})")
    return lines


def report(queued: Run, inline: Run, photos: int, failed: int, header: str) -> None:
    print(f"\n{header}; ready {len(queued.ready)}, failed {failed}")
    print(f"{'run':<34} {'photos/s':>9} {'p50 ready s':>12} {'p95 ready s':>12}")
    for run in (inline, queued):
        p50, p95 = percentile(run.ready, 0.5), percentile(run.ready, 0.95)
        print(f"{run.name:<34} {run.rate:>9.2f} {p50:>12.2f} {p95:>12.2f}")
    ratio = queued.rate / inline.rate if inline.rate else float("nan")
    print(f"throughput: {queued.rate:.2f} photos/s vs {inline.rate:.2f} inline (x{ratio:.2f})")
    print(
        f"p95 time-to-ready: {percentile(queued.ready, 0.95):.2f} s vs {percentile(inline.ready, 0.95):.2f} s"
    )
    print("\n".join(cpu_table(queued, inline, photos)))


def platform_pids(stack: Any, children: Mapping[str, Any]) -> dict[str, int]:
    """The pid at the root of each platform process tree (Valkey and moto are children of this
    process; Postgres is the postmaster pgserver reports, its backends below it)."""
    stats = snapshot()
    pids = {name: child.popen.pid for name, child in children.items()}
    pids["Postgres"] = stack.postgres_pid()
    pids["broker"] = child_named(stats, os.getpid(), "valkey")
    [s3] = [c for c in stack.sup.children if c.name == "s3"]
    pids["S3"] = s3.popen.pid
    return {name: pids[name] for name in PLATFORM}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.pipeline", description=__doc__)
    parser.add_argument("--photos", type=int, default=200)
    parser.add_argument("--size", default="1024x768", help="WIDTHxHEIGHT of the generated photos")
    parser.add_argument("--clients", type=int, default=8, help="concurrent uploaders")
    parser.add_argument("--concurrency", type=int, default=2, help="worker processes")
    parser.add_argument(
        "--vision-cpus", type=int, default=os.cpu_count() or 1, help="CPUs given to the vision replica"
    )
    args = parser.parse_args(argv)
    width, height = (int(v) for v in args.size.lower().split("x"))

    from vision.config import VisionSettings
    from vision.models import create_analyzer
    from wairo_dev.stack import components
    from wairo_dev.stack.processes import free_port, wait_for
    from wairo_dev.stack.stack import Stack, StackConfig

    print(f"Generating {args.photos} photos of {width}x{height}…", flush=True)
    photos = make_photos(args.photos, (width, height))
    analyzer = create_analyzer(VisionSettings(backend="dlib"))
    analyzer.load()
    vision_port = free_port()
    os.environ["WAIRO_VISION_URL"] = f"http://{components.HOST}:{vision_port}"
    os.environ["WAIRO_VISION_NUM_CPUS"] = str(args.vision_cpus)
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
        print("Starting Postgres, S3, Valkey, the media API, the vision server and a worker…", flush=True)
        stack.start()
        _use_stack_settings()
        api, api_url = components.start_api(stack.sup, "media", free_port())
        vision = stack.sup.python("vision", ["-m", "bench.pipeline.vision_server", str(vision_port)])
        worker, beat = components.start_worker(stack.sup, data_dir, concurrency=args.concurrency)
        wait_for(
            lambda: httpx.get(f"{os.environ['WAIRO_VISION_URL']}/healthz").status_code == 200,
            "the vision server",
            proc=vision,
        )
        time.sleep(5)  # the worker connects to the broker
        dead = stack.sup.dead()
        if dead:
            print(f"{dead[0].name} did not start; see {dead[0].log_path}", file=sys.stderr)
            return 1
        meter = CpuMeter(
            platform_pids(stack, {"API": api, "worker": worker, "beat": beat, "vision": vision}),
            own={INLINE: os.getpid()},
        )
        print("Baseline: inline in this process, the stack idle…", flush=True)
        meter.start()
        base_total, base_ready = baseline(photos, analyzer)
        inline = Run("inline baseline (1 process)", base_total, base_ready, meter.stop())
        print("Pipeline: presign → PUT → complete → queue → worker → vision…", flush=True)
        meter.own = {UPLOADER: os.getpid()}
        meter.start()
        pipe_total, pipe_ready, failed = pipeline(api_url, photos, args.clients)
        queued = Run(f"pipeline ({args.concurrency} worker processes)", pipe_total, pipe_ready, meter.stop())
    finally:
        stack.stop()

    header = (
        f"{args.photos} photos {width}x{height}, {os.cpu_count()} CPUs, load average "
        f"{os.getloadavg()[0]:.2f}; vision: {args.vision_cpus} CPUs"
    )
    report(queued, inline, args.photos, failed, header)
    return 0 if len(pipe_ready) == args.photos else 1


if __name__ == "__main__":
    sys.exit(main())

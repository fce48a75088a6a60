"""`python -m bench.api`: requests/s and p50/p99 latency of the main API's photo list
(`GET /v1/photos`) and the media API's upload URL (`POST /v1/photos/upload-url`) under
production-like settings, against a minimal FastAPI app returning a constant, served the same way
on the same machine in the same run.

It starts Postgres, S3 (moto) and Valkey as processes on free ports in a temp dir, seeds one live
project (photos, a member, photographers), serves the main API, the media API and the baseline with
`uvicorn --workers N` (the chart's flags, WAIRO_ENV=production, pooled DB connections), checks one
response of each, warms each up, then loads each in turn with a closed-loop generator
(bench/api/load.py), interleaving the targets over --rounds so that drift on a shared machine hits
all of them alike. Every process it started is stopped on exit, error or Ctrl-C.

The figure that matters is the ratio to the baseline: it removes most of the machine's speed.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import signal
import sys
import tempfile
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

from sqlalchemy import text
from sqlalchemy.orm import Session

from bench.api.load import LoadResult, Target, build_request, fetch_once, run_load
from bench.cpu import CpuMeter, child_named, snapshot
from wairo_dev.stack.components import HOST
from wairo_dev.stack.processes import Child, StackError, Supervisor, free_port, wait_for

if TYPE_CHECKING:
    from wairo_dev.stack.stack import Stack

# The rate limit on upload URLs (100 per photographer per minute) is lifted to this for the run, so
# that every request takes the success path; the limit's check (a Valkey INCR) still runs.
UPLOAD_URLS_PER_MINUTE = 10_000_000
# Short names used in the final lines, by target.
BASELINE, PHOTO_LIST, UPLOAD_URL = "baseline", "photo list", "upload-url"
# Photos the member of each project is tagged in.
TAGGED = 12
# --only: one target, still interleaved with the baseline.
ONLY = {"photo-list": PHOTO_LIST, "upload-url": UPLOAD_URL}


@dataclass
class Listed:
    """A project's member, and a cursor deep into the untagged part of the member's list."""

    photos: int
    user_token: str
    deep_cursor: str


@dataclass
class Seeded:
    project: str
    photographer_tokens: list[str]
    lists: list[Listed]


def seed_listed_project(
    session: Session, operator_id: uuid.UUID, staff: list[uuid.UUID], photos: int, tagged: int, tag: str
) -> tuple[uuid.UUID, Listed]:
    """A live project with `photos` ready photos, one member tagged in `tagged` of them (spread over
    the event), and a cursor three quarters down the member's untagged photos."""
    from sqlalchemy import insert

    from api.core.pagination import encode_cursor
    from api.core.security import USER_AUDIENCES, hash_password, issue_access_token
    from api.models import Photo, PhotoTag, Project, ProjectMember, ProjectPhotographer, User

    project = Project(operator_id=operator_id, name=f"Bench Event {photos}", status="live", type="public")
    email = f"guest-{photos}-{tag}@example.com"
    user = User(name="Bench Guest", email=email, password_hash=hash_password("bench-pass"))
    session.add_all([project, user])
    session.flush()
    session.add(
        ProjectMember(
            project_id=project.id,
            user_id=user.id,
            qr_token_jti=uuid.uuid4().hex,
            qr_token_expires_at=datetime.now(UTC) + timedelta(days=1),
        )
    )
    session.add_all(ProjectPhotographer(project_id=project.id, photographer_id=p) for p in staff)
    now = datetime.now(UTC)
    ids = [uuid.uuid4() for _ in range(photos)]
    rows = []
    for i, photo_id in enumerate(ids):
        base = f"photos/{project.id}/{photo_id}"
        rows.append(
            {
                "id": photo_id,
                "project_id": project.id,
                "photographer_id": staff[i % len(staff)],
                "status": "ready",
                "original_key": f"{base}/original.jpg",
                "content_type": "image/jpeg",
                "size_bytes": 2_000_000,
                "width": 4000,
                "height": 3000,
                "taken_at": now - timedelta(minutes=i),
                "variants": {k: f"{base}/{k}.jpg" for k in ("thumb-400", "thumb-800", "watermarked")},
                "upload_expires_at": now,
            }
        )
    for start in range(0, photos, 5000):
        session.execute(insert(Photo), rows[start : start + 5000])
    stride = max(1, photos // max(1, tagged))
    tagged_at = set(range(0, photos, stride)[:tagged])
    session.add_all(PhotoTag(photo_id=ids[i], user_id=user.id, source="confirmed") for i in tagged_at)
    deep = next(i for i in range(photos * 3 // 4, photos) if i not in tagged_at)
    token = issue_access_token(user.id, "user", USER_AUDIENCES, 0)
    return project.id, Listed(photos, token, encode_cursor(0, rows[deep]["taken_at"], ids[deep]))


def seed(session: Session, photos: int, large: int, photographers: int) -> Seeded:
    """Two live projects (`photos` and `large` ready photos, one member each, tagged in a few) and
    `photographers` photographers assigned to both (the upload-URL requests rotate over them, as
    many uploaders would)."""
    from api.core.security import STAFF_AUDIENCES, hash_password, issue_access_token
    from api.models import Operator, Photographer

    password = hash_password("bench-pass")
    tag = uuid.uuid4().hex[:8]
    operator = Operator(name="Bench Studio", email=f"bench-{tag}@example.com", password_hash=password)
    session.add(operator)
    session.flush()
    staff = [
        Photographer(
            operator_id=operator.id, name=f"P{i}", email=f"p{i}-{tag}@example.com", password_hash=password
        )
        for i in range(photographers)
    ]
    session.add_all(staff)
    session.flush()
    staff_ids = [p.id for p in staff]
    project, small = seed_listed_project(session, operator.id, staff_ids, photos, TAGGED, tag)
    _, big = seed_listed_project(session, operator.id, staff_ids, large, TAGGED, tag)
    return Seeded(
        project=str(project),
        photographer_tokens=[issue_access_token(p, "photographer", STAFF_AUDIENCES, 0) for p in staff_ids],
        lists=[small, big],
    )


def production_env() -> dict[str, str]:
    """WAIRO_* of a production process: real (random) secrets, as the settings demand."""
    return {
        "WAIRO_ENV": "production",
        "WAIRO_JWT_SECRET": secrets.token_urlsafe(32),
        "WAIRO_STRIPE_WEBHOOK_SECRET": "whsec_" + secrets.token_urlsafe(32),
        "WAIRO_STORAGE_EVENTS_SECRET": secrets.token_urlsafe(32),
        "WAIRO_UPLOAD_URLS_PER_MINUTE": str(UPLOAD_URLS_PER_MINUTE),
    }


def uvicorn_argv(app: str, port: int, workers: int, factory: bool) -> list[str]:
    """The chart's uvicorn flags (charts/wairo/templates/apis.yaml), with `--workers`."""
    return [
        *("-m", "uvicorn", app),
        *(["--factory"] if factory else []),
        *("--host", HOST, f"--port={port}", f"--workers={workers}"),
        *("--proxy-headers", "--no-server-header", "--no-access-log"),
    ]


def serve(
    sup: Supervisor, name: str, app: str, workers: int, ready_path: str, factory: bool
) -> tuple[Child, int]:
    port = free_port()
    child = sup.python(name, uvicorn_argv(app, port, workers, factory))

    def ready() -> bool:
        status, _ = fetch_once(Target(name, HOST, port, (build_request("GET", HOST, port, ready_path),)), 2)
        return status == 200

    wait_for(ready, name, timeout_s=120, proc=child)
    return child, port


def check(target: Target, expected_status: int, expect: str) -> None:
    """One request before the load: the right status and body, or a clear error."""
    status, body = fetch_once(target)
    if status != expected_status:
        raise RuntimeError(f"{target.name}: expected {expected_status}, got {status}: {body[:300]!r}")
    data = json.loads(body)
    if expect == "list" and not (isinstance(data, list) and data):
        raise RuntimeError(f"{target.name}: expected a non-empty list, got {body[:300]!r}")
    if expect == "upload" and "uploadUrl" not in data:
        raise RuntimeError(f"{target.name}: expected an upload URL, got {body[:300]!r}")


def pooled(rounds: dict[str, list[LoadResult]]) -> dict[str, LoadResult]:
    """Each target's rounds as one result (requests, time and latencies pooled)."""
    out = {}
    for short, runs in rounds.items():
        total = runs[0]
        for run in runs[1:]:
            total = total.merged(run)
        out[short] = total
    return out


def ratios_per_round(rounds: dict[str, list[LoadResult]], baseline: str) -> dict[str, list[float]]:
    """Each target's req/s over the baseline's in the same round."""
    base = rounds[baseline]
    return {
        short: [r.rps / b.rps if b.rps else float("nan") for r, b in zip(runs, base, strict=True)]
        for short, runs in rounds.items()
        if short != baseline
    }


def format_table(results: dict[str, LoadResult], baseline: str) -> str:
    """A Markdown table: one row per target, the ratio of its req/s to the baseline's."""
    base_rps = results[baseline].rps
    width = max(len("target"), *(len(r.name) for r in results.values()))
    lines = [
        f"| {'target':<{width}} | req/s | p50 ms | p99 ms | non-2xx | client CPU |  ratio |",
        f"|{'-' * (width + 2)}|------:|-------:|-------:|--------:|-----------:|-------:|",
    ]
    for r in results.values():
        ratio = r.rps / base_rps if base_rps else float("nan")
        lines.append(
            f"| {r.name:<{width}} | {r.rps:>5.0f} | {r.p50:>6.1f} | {r.p99:>6.1f} | {r.errors:>7} "
            f"| {r.client_cpu:>10.0%} | {ratio:>6.3f} |"
        )
    return "\n".join(lines)


def headline_lines(rounds: dict[str, list[LoadResult]], baseline: str) -> list[str]:
    """`<target> req/s|p50 ms|p99 ms: …` for each target, the ratio of each round, then
    `<target> rps ratio: …` (pooled over the rounds) last."""
    results = pooled(rounds)
    base_rps = results[baseline].rps
    lines = []
    for short, r in results.items():
        lines += [
            f"{short} req/s: {r.rps:.0f}",
            f"{short} p50 ms: {r.p50:.1f}",
            f"{short} p99 ms: {r.p99:.1f}",
        ]
    for short, ratios in ratios_per_round(rounds, baseline).items():
        lines.append(f"{short} rps ratio per round: " + ", ".join(f"{x:.3f}" for x in ratios))
    for short, r in results.items():
        if short != baseline:
            ratio = r.rps / base_rps if base_rps else float("nan")
            lines.append(f"{short} rps ratio: {ratio:.3f}")
    return lines


class _HelpFormatter(argparse.RawDescriptionHelpFormatter, argparse.ArgumentDefaultsHelpFormatter):
    pass


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.api", description=__doc__, formatter_class=_HelpFormatter
    )
    parser.add_argument("--duration", type=float, default=10.0, help="seconds of load per target and round")
    parser.add_argument("--rounds", type=int, default=2, help="passes over the targets, interleaved")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds of unmeasured load per target")
    parser.add_argument("--concurrency", type=int, default=32, help="keep-alive connections of the generator")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes per app")
    parser.add_argument("--photos", type=int, default=200, help="ready photos in the loaded project")
    parser.add_argument("--large", type=int, default=20_000, help="ready photos in the large project")
    parser.add_argument(
        "--latency-duration", type=float, default=3.0, help="seconds per page of the one-connection runs"
    )
    parser.add_argument(
        "--page", type=int, default=50, help="limit= of the photo list (the API's default page)"
    )
    parser.add_argument("--photographers", type=int, default=32, help="accounts the upload URLs rotate over")
    parser.add_argument("--only", choices=sorted(ONLY), help="load only this target (and the baseline)")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (logs, data) after the run")
    args = parser.parse_args(argv)
    sizes = (args.concurrency, args.workers, args.photos, args.large, args.page)
    if min(args.duration, args.rounds, args.latency_duration, *sizes) <= 0:
        parser.error(
            "--duration, --rounds, --concurrency, --workers, --photos, --large, --page and "
            "--latency-duration must be positive"
        )
    args.photographers = max(1, args.photographers)
    return args


def _terminate(signum: int, _: FrameType | None) -> None:
    raise SystemExit(128 + signum)  # unwinds through the finally blocks that stop the processes


def _use_stack_settings() -> None:
    """Drop settings and clients cached before the stack set WAIRO_* (none should be)."""
    from api.core import ratelimit, storage
    from api.core.db import get_engine, get_sessionmaker
    from api.settings import get_settings

    storage.reset_clients()
    for cached in (get_settings, get_engine, get_sessionmaker):
        cached.cache_clear()
    ratelimit.redis_client.cache_clear()


def list_targets(port: int, page: int, lists: list[Listed]) -> dict[str, Target]:
    """The first and a deep page of each member's list, by `<photos> first|deep`."""
    out = {}
    for listed in lists:
        auth = {"Authorization": f"Bearer {listed.user_token}"}
        for where, query in (("first", ""), ("deep", f"&cursor={listed.deep_cursor}")):
            path = f"/v1/photos?limit={page}{query}"
            request = build_request("GET", HOST, port, path, auth)
            name = f"main: {where} page of {listed.photos}"
            out[f"{listed.photos} {where}"] = Target(name, HOST, port, (request,))
    return out


def latency_lines(latencies: dict[str, LoadResult], small: int, large: int) -> list[str]:
    """p50 of each page, then the large project's p50 over the small one's, for each page."""
    lines = [f"photo list {name} p50 ms: {r.p50:.2f}" for name, r in latencies.items()]
    for where in ("first", "deep"):
        ratio = latencies[f"{large} {where}"].p50 / latencies[f"{small} {where}"].p50
        lines.append(f"photo list {where} page p50 ratio {large}/{small}: {ratio:.2f}")
    return lines


def server_cpu_lines(spent: dict[str, tuple[dict[str, float], int]], baseline: str) -> list[str]:
    """CPU per successful request of the serving processes (the app's workers, Postgres, Valkey),
    with each process's share, and each target's CPU ratio: the baseline's CPU per request over the
    target's, i.e. the req/s ratio the targets would show on cores nothing else uses."""
    per_process = {
        short: {name: 1000 * s / n if n else float("nan") for name, s in by_name.items()}
        for short, (by_name, n) in spent.items()
    }
    per_request = {short: sum(ms.values()) for short, ms in per_process.items()}
    lines = [
        f"{short} server CPU ms per request: {per_request[short]:.3f} ("
        + ", ".join(f"{name} {value:.3f}" for name, value in ms.items())
        + ")"
        for short, ms in per_process.items()
    ]
    lines += [
        f"{short} CPU ratio: {per_request[baseline] / ms:.3f}"
        for short, ms in per_request.items()
        if short != baseline
    ]
    return lines


def measure(
    args: argparse.Namespace, stack: Stack
) -> tuple[dict[str, list[LoadResult]], dict[str, LoadResult], dict[str, tuple[dict[str, float], int]]]:
    from api.core.db import get_engine, session_scope

    print(
        f"Seeding projects of {args.photos} and {args.large} photos, a member each and "
        f"{args.photographers} photographers…",
        flush=True,
    )
    with session_scope() as session:
        seeded = seed(session, args.photos, args.large, args.photographers)
    with get_engine().connect() as conn:
        # What autovacuum does within a minute of such a bulk load: the planner needs statistics.
        conn.execute(text("ANALYZE"))
        conn.commit()
    get_engine().dispose()

    print(f"Serving the baseline, the main API and the media API ({args.workers} workers each)…", flush=True)
    sup = stack.sup
    base, base_port = serve(sup, "baseline", "bench.api.baseline:app", args.workers, "/constant", False)
    main_app, main_port = serve(sup, "api-main", "api.apps.main:create_app", args.workers, "/healthz", True)
    media, media_port = serve(sup, "api-media", "api.apps.media:create_app", args.workers, "/healthz", True)
    shared = {"Postgres": stack.postgres_pid(), "Valkey": child_named(snapshot(), os.getpid(), "valkey")}
    servers = {BASELINE: base, PHOTO_LIST: main_app, UPLOAD_URL: media}

    json_headers = {"Content-Type": "application/json"}
    upload_body = json.dumps({"projectId": seeded.project, "contentType": "image/jpeg"}).encode()
    targets = {
        BASELINE: Target(
            "baseline: GET /constant", HOST, base_port, (build_request("GET", HOST, base_port, "/constant"),)
        ),
        PHOTO_LIST: Target(
            f"main: GET /v1/photos?limit={args.page}",
            HOST,
            main_port,
            (
                build_request(
                    "GET",
                    HOST,
                    main_port,
                    f"/v1/photos?limit={args.page}",
                    {"Authorization": f"Bearer {seeded.lists[0].user_token}"},
                ),
            ),
        ),
        UPLOAD_URL: Target(
            "media: POST /v1/photos/upload-url",
            HOST,
            media_port,
            tuple(
                build_request(
                    "POST",
                    HOST,
                    media_port,
                    "/v1/photos/upload-url",
                    {"Authorization": f"Bearer {token}", **json_headers},
                    upload_body,
                )
                for token in seeded.photographer_tokens
            ),
        ),
    }
    check(targets[BASELINE], 200, "json")
    check(targets[PHOTO_LIST], 200, "list")
    check(targets[UPLOAD_URL], 201, "upload")
    if args.only:
        targets = {short: t for short, t in targets.items() if short in (BASELINE, ONLY[args.only])}

    for target in targets.values():
        print(f"Warming up {target.name} ({args.warmup:.0f} s)…", flush=True)
        run_load(target, args.concurrency, args.warmup)

    rounds: dict[str, list[LoadResult]] = {short: [] for short in targets}
    spent: dict[str, tuple[dict[str, float], int]] = {short: ({}, 0) for short in targets}
    for n in range(1, args.rounds + 1):
        for short, target in targets.items():
            meter = CpuMeter({"app": servers[short].popen.pid, **shared})
            meter.start()
            r = run_load(target, args.concurrency, args.duration)
            by_name, requests = spent[short]
            now = meter.stop()
            spent[short] = ({k: by_name.get(k, 0.0) + now[k] for k in now}, requests + r.ok)
            print(
                f"round {n}/{args.rounds} {target.name}: {r.rps:.0f} req/s, p50 {r.p50:.1f} ms, "
                f"p99 {r.p99:.1f} ms" + (f", errors: {r.error_summary()}" if r.errors else ""),
                flush=True,
            )
            rounds[short].append(r)

    pages = list_targets(main_port, args.page, seeded.lists)
    for target in pages.values():
        check(target, 200, "list")
    latencies = {name: run_load(target, 1, args.latency_duration) for name, target in pages.items()}
    for name, r in latencies.items():
        print(f"{pages[name].name} (one connection): p50 {r.p50:.2f} ms, p99 {r.p99:.2f} ms", flush=True)
    return rounds, latencies, spent


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    from wairo_dev.stack.stack import Stack, StackConfig

    signal.signal(signal.SIGTERM, _terminate)
    for key in ("DATABASE_URL", "S3_ENDPOINT", "BROKER_URL", "STRIPE_API_BASE", "VISION_URL"):
        os.environ.pop(f"WAIRO_{key}", None)
    os.environ.update(production_env())
    data_dir = Path(tempfile.mkdtemp(prefix="wairo-bench-api-"))
    data_dir.chmod(0o755)  # the Postgres server runs as another OS user when we are root
    stack: Stack | None = None
    finished = False
    try:
        stack = Stack(
            StackConfig.infrastructure(
                data_dir,
                external={"STRIPE_API_BASE": "http://127.0.0.1:9"},  # payments play no part here
            )
        )
        print(f"Starting Postgres, S3 and Valkey in {data_dir}…", flush=True)
        stack.start()
        _use_stack_settings()
        rounds, latencies, spent = measure(args, stack)
        finished = True
    except (StackError, RuntimeError) as exc:
        print(f"bench.api: {exc}", file=sys.stderr)
        return 1
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # let the cleanup below finish
        if stack is not None:
            stack.stop()  # the servers run under the stack's supervisor: stopped here too
        if finished and not args.keep:
            shutil.rmtree(data_dir, ignore_errors=True)
        else:
            print(f"Logs and data kept in {data_dir}", file=sys.stderr, flush=True)

    print(
        f"\nAPI load on loopback: {args.concurrency} keep-alive connections, {args.rounds} x "
        f"{args.duration:g} s per target (interleaved), {args.workers} uvicorn workers per app, "
        f"WAIRO_ENV=production, {args.photos} photos, {os.cpu_count()} CPUs; latency of single "
        f"requests on one connection, {args.latency_duration:g} s per page\n"
    )
    results = pooled(rounds)
    print(format_table(results, BASELINE))
    failing = [r for r in results.values() if r.errors > 0.01 * max(1, r.requests)]
    for r in results.values():
        if r.errors:
            print(f"{r.name}: {r.errors} of {r.requests} requests failed ({r.error_summary()})")
    print()
    print("\n".join(headline_lines(rounds, BASELINE)))
    print("\n".join(server_cpu_lines(spent, BASELINE)))
    print("\n".join(latency_lines(latencies, args.photos, args.large)))
    return 1 if failing else 0


if __name__ == "__main__":
    sys.exit(main())

"""`python -m bench.api`: requests/s and p50/p99 of the main API's photo list and the media API's
upload-url under production settings (several uvicorn workers, pooled connections), against a
minimal FastAPI app returning a constant, served the same way on the same machine in the same run.

The figure that matters is the ratio to the baseline: it removes the machine's speed.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy.orm import Session

from api.core.security import STAFF_AUDIENCES, USER_AUDIENCES, hash_password, issue_access_token
from api.db import session_scope
from api.models import Operator, Photo, Photographer, Project, ProjectMember, ProjectPhotographer, User
from api.stack.components import HOST, start_api
from api.stack.processes import Supervisor, free_port, wait_for
from api.stack.stack import Stack, StackConfig
from bench.api.load import LoadResult, run_load


@dataclass
class Seeded:
    project: str
    user_token: str
    photographer_tokens: list[str]


def seed(session: Session, photos: int, photographers: int) -> Seeded:
    """One live project with `photos` ready photos, a member, and photographers to spread the
    upload-URL rate limit (100 per photographer per minute) over."""
    password = hash_password("bench-pass")
    tag = uuid.uuid4().hex[:8]
    operator = Operator(name="Bench Studio", email=f"bench-{tag}@example.com", password_hash=password)
    session.add(operator)
    session.flush()
    project = Project(operator_id=operator.id, name="Bench Event", status="live", type="public")
    user = User(name="Bench Guest", email=f"guest-{tag}@example.com", password_hash=password)
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
    staff = [
        Photographer(
            operator_id=operator.id, name=f"P{i}", email=f"p{i}-{tag}@example.com", password_hash=password
        )
        for i in range(photographers)
    ]
    session.add_all(staff)
    session.flush()
    session.add_all(ProjectPhotographer(project_id=project.id, photographer_id=p.id) for p in staff)
    now = datetime.now(UTC)
    for i in range(photos):
        photo_id = uuid.uuid4()
        base = f"photos/{project.id}/{photo_id}"
        session.add(
            Photo(
                id=photo_id,
                project_id=project.id,
                photographer_id=staff[i % len(staff)].id,
                status="ready",
                original_key=f"{base}/original.jpg",
                content_type="image/jpeg",
                size_bytes=2_000_000,
                width=4000,
                height=3000,
                taken_at=now - timedelta(minutes=i),
                variants={k: f"{base}/{k}.jpg" for k in ("thumb-400", "thumb-800", "watermarked")},
                upload_expires_at=now,
            )
        )
    return Seeded(
        project=str(project.id),
        user_token=issue_access_token(user.id, "user", USER_AUDIENCES),
        photographer_tokens=[issue_access_token(p.id, "photographer", STAFF_AUDIENCES) for p in staff],
    )


def _row(result: LoadResult, baseline: LoadResult) -> str:
    return (
        f"| {result.name:<28} | {result.rps:>9.0f} | {result.p50:>8.1f} | {result.percentile(99):>8.1f} "
        f"| {result.errors:>6} | {result.rps / baseline.rps:>6.2f} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--duration", type=float, default=10.0, help="seconds of load per target")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes per API")
    parser.add_argument("--photos", type=int, default=200)
    args = parser.parse_args()

    data_dir = Path(tempfile.mkdtemp(prefix="wairo-bench-api-"))
    config = StackConfig(
        data_dir=data_dir,
        s3_port=free_port(),
        broker_port=free_port(),
        stripe_port=free_port(),
        with_apis=False,
        with_worker=False,
        with_vision=False,
    )
    stack = Stack(config)
    stack.start()
    sup = Supervisor(data_dir / "logs", stack.env | {"WAIRO_ENV": "development"})
    try:
        with session_scope() as session:
            seeded = seed(session, args.photos, photographers=max(4, args.concurrency))
        _, main_url = start_api(sup, "main", free_port(), workers=args.workers)
        _, media_url = start_api(sup, "media", free_port(), workers=args.workers)
        base_port = free_port()
        sup.python(
            "baseline",
            [
                "-m",
                "uvicorn",
                "bench.api.baseline:app",
                "--host",
                HOST,
                "--port",
                str(base_port),
                "--workers",
                str(args.workers),
                "--no-access-log",
            ],
        )
        base_url = f"http://{HOST}:{base_port}"
        import urllib.request

        wait_for(lambda: urllib.request.urlopen(f"{base_url}/constant", timeout=2).status == 200, "baseline")

        user_auth = {"Authorization": f"Bearer {seeded.user_token}"}
        tokens = seeded.photographer_tokens
        upload_body = json.dumps({"projectId": seeded.project, "contentType": "image/jpeg"}).encode()

        def constant(_: int) -> tuple[str, str, dict[str, str], bytes | None]:
            return "GET", f"{base_url}/constant", {}, None

        def photo_list(_: int) -> tuple[str, str, dict[str, str], bytes | None]:
            return "GET", f"{main_url}/v1/photos?limit=50", user_auth, None

        def upload_url(i: int) -> tuple[str, str, dict[str, str], bytes | None]:
            headers = {
                "Authorization": f"Bearer {tokens[i % len(tokens)]}",
                "Content-Type": "application/json",
            }
            return "POST", f"{media_url}/v1/photos/upload-url", headers, upload_body

        # Warm up each target (connection pools, imports) before measuring.
        for factory in (constant, photo_list, upload_url):
            run_load("warm-up", factory, 4, 1.0)
        baseline = run_load("baseline: constant", constant, args.concurrency, args.duration)
        results = [
            run_load("main: GET /v1/photos", photo_list, args.concurrency, args.duration),
            run_load("media: POST upload-url", upload_url, args.concurrency, args.duration),
        ]
    finally:
        sup.stop_all()
        stack.stop()

    print(
        f"\nAPI load: {args.concurrency} concurrent clients, {args.duration:.0f} s each, "
        f"{args.workers} uvicorn workers per app, {args.photos} photos in the project\n"
    )
    print("| target                       |     req/s |  p50 ms |  p99 ms | errors | ratio |")
    print("|------------------------------|-----------|---------|---------|--------|-------|")
    for result in [baseline, *results]:
        print(_row(result, baseline))
    print()
    print(f"baseline req/s: {baseline.rps:.0f}")
    for result in results:
        short = result.name.split(":")[0]
        print(f"{short} req/s: {result.rps:.0f}")
        print(f"{short} p99 ms: {result.percentile(99):.1f}")
        print(f"{short} ratio to baseline: {result.rps / baseline.rps:.2f}")


if __name__ == "__main__":
    main()

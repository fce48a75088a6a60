"""A whole Wairo stack of real OS processes for the fault tests, each of which can be stopped,
killed and started again without disturbing the rest of the suite (its own data dir and ports):

- PostgreSQL (pgserver, its own data dir), restarted with `pg_ctl stop` / `pg_ctl start`;
- S3 (moto server) and, in front of it, a TCP proxy (tests/faults/servers.py) through which the
  worker reaches storage: stopping the proxy is a storage outage as the worker sees it, while the
  objects stay (moto keeps them in memory, so moto itself is never restarted);
- the broker (Valkey), localstripe;
- the main and media APIs as uvicorn processes;
- the Celery worker (prefork, one pool process) and beat as processes; the worker can be SIGKILLed;
- the vision service's contract served by the real dlib analyzer in its own process, with a gate to
  hold requests (tests/faults/servers.py).

The test process never uses the cached settings, engine or S3 client of `api.*` to reach this stack
(those may point at the session's `infra` stack): it has its own engine, S3 client and HTTP clients,
and the children get their environment explicitly.
"""

from __future__ import annotations

import os
import signal
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import boto3
import httpx
import psutil
import redis
from botocore.config import Config
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session, sessionmaker

from api.core.db import make_engine
from api.migrate import upgrade
from api.models import Face, OutboxMessage, Photo
from api.settings import Settings
from wairo_dev.stack import components as c
from wairo_dev.stack.processes import Child, Supervisor, free_port, wait_for

ROOT = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"
VARIANTS = ("thumb-400", "thumb-800", "watermarked")
# A job taken by a worker that is then killed comes back after the broker's visibility timeout. In
# production that is WAIRO_BROKER_VISIBILITY_TIMEOUT_S (one hour); the replacement worker of the
# worker-kill test runs with this instead, so the test does not wait an hour.
SHORT_VISIBILITY_TIMEOUT_S = 5


def http_ok(url: str) -> bool:
    """Whether `url` answers with success (a readiness check; errors count as not ready)."""
    return httpx.get(url, timeout=2, follow_redirects=True).is_success


@dataclass(frozen=True)
class Totals:
    """Rows and objects of the whole stack (nothing else writes to it while a test runs)."""

    photos: int
    faces: int
    outbox: int
    outbox_unsent: int
    objects: int


class FaultStack:
    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.log_dir = data_dir / "logs"
        self.gate_dir = data_dir / "vision-gate"
        self.gate_dir.mkdir(parents=True, exist_ok=True)
        self.settings = Settings()  # bucket and credentials (the children read the same environment)
        self.ports = {
            name: free_port() for name in ("s3", "s3_proxy", "broker", "stripe", "main", "media", "vision")
        }
        self.s3_url = f"http://{HOST}:{self.ports['s3']}"
        self.s3_proxy_url = f"http://{HOST}:{self.ports['s3_proxy']}"
        self.broker_url = f"redis://{HOST}:{self.ports['broker']}/0"
        self.stripe_url = f"http://{HOST}:{self.ports['stripe']}"
        self.main_url = f"http://{HOST}:{self.ports['main']}"
        self.media_url = f"http://{HOST}:{self.ports['media']}"
        self.vision_url = f"http://{HOST}:{self.ports['vision']}"
        self.db_url = ""
        self.env: dict[str, str] = {}
        self.sup = Supervisor(self.log_dir, {})
        self.postgres: Any = None
        self.broker: Any = None
        self.engine: Engine | None = None
        self.children: dict[str, Child] = {}
        self.worker_visibility_timeout = 0  # that of the running worker
        self._worker_log_offset = 0  # where the running worker's part of worker.log starts

    # -- lifecycle ---------------------------------------------------------------------------------

    def start(self) -> FaultStack:
        self.postgres, self.db_url = c.start_postgres(self.data_dir / "postgres")
        upgrade(self.db_url)
        self.engine = make_engine(self.db_url, pool_size=2)
        self.env = self._environment()
        self.sup.env = self.env
        self.children["s3"], _ = c.start_s3(self.sup, self.ports["s3"])
        c.create_bucket(
            self.s3_url,
            self.settings.s3.bucket,
            self.settings.s3.access_key,
            self.settings.s3.secret_key,
            self.settings.s3.region,
            self.settings.cors_origins,
        )
        self.start_storage()
        self.broker, _ = c.start_broker(self.data_dir / "valkey", self.ports["broker"])
        webhook = f"{self.main_url}/v1/stripe-webhook"
        c.start_stripe(
            self.sup, self.ports["stripe"], webhook, self.settings.stripe_webhook_secret, self.data_dir
        )
        self._spawn_vision()
        self.start_worker(beat=True, wait=False)
        for name in ("main", "media"):
            self.children[name], _ = c.start_api(self.sup, name, self.ports[name])
        self._wait_vision()
        self._wait_worker()
        return self

    def stop(self) -> None:
        """Stop everything started, each part even when another fails to stop."""
        steps: list[Callable[[], None]] = [self.release_vision, self.sup.stop_all]
        if self.broker is not None:
            steps.append(lambda: self.broker.stop() if self.broker_running() else None)
        if self.engine is not None:
            steps.append(self.engine.dispose)
        if self.postgres is not None:
            steps.append(lambda: c.stop_postgres(self.postgres))
        errors = []
        for step in steps:
            try:
                step()
            except Exception as exc:
                errors.append(exc)
        if errors:
            raise errors[0]

    def _environment(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k != "WAIRO_S3_PUBLIC_ENDPOINT"}
        # The test process's import path (pyproject's pytest `pythonpath`: the repo and operator/).
        path = os.pathsep.join([str(ROOT), str(ROOT / "operator"), *filter(None, [env.get("PYTHONPATH")])])
        return env | {
            "WAIRO_ENV": "test",
            "WAIRO_DATA_DIR": str(self.data_dir),
            "WAIRO_DATABASE_URL": self.db_url,
            "WAIRO_S3_ENDPOINT": self.s3_url,
            "WAIRO_BROKER_URL": self.broker_url,
            "WAIRO_STRIPE_API_BASE": self.stripe_url,
            "WAIRO_VISION_URL": self.vision_url,
            "WAIRO_UPLOAD_URLS_PER_MINUTE": "100000",  # the DB test presigns in a loop
            "PYTHONPATH": path,
        }

    def _spawn(self, name: str, module_args: list[str], **env: str) -> Child:
        sup = Supervisor(self.log_dir, self.env | env)
        child = sup.python(name, module_args, cwd=ROOT)
        self.sup.children.append(child)
        self.children[name] = child
        return child

    def _forget(self, name: str) -> None:
        child = self.children.pop(name, None)
        if child is not None and child in self.sup.children:
            self.sup.children.remove(child)

    def alive(self, name: str) -> bool:
        child = self.children.get(name)
        return child is not None and child.popen.poll() is None

    def ensure_healthy(self) -> None:
        """Start again whatever an earlier (failed) test left stopped; hold no vision request."""
        self.release_vision()
        if not self.postgres_running():
            self.start_postgres()
        if not self.broker_running():
            self.start_broker()
        if not self.alive("s3_proxy"):
            self.start_storage()
        if not self.alive("vision"):
            self.start_vision()
        if (
            not self.alive("worker")
            or self.worker_visibility_timeout != self.settings.broker_visibility_timeout_s
        ):
            self.stop_worker()
            self.start_worker(beat=False)
        for name in ("main", "media", "beat"):
            assert self.alive(name), f"{name} exited; see {self.log_dir}/"

    # -- Postgres ----------------------------------------------------------------------------------

    def postgres_running(self) -> bool:
        try:
            with self.db() as session:
                session.execute(text("SELECT 1"))
            return True
        except Exception:
            return False

    def stop_postgres(self) -> None:
        """`pg_ctl stop` (fast mode: open sessions are cut, as in a restart or failover)."""
        self.postgres.stop()

    def start_postgres(self) -> None:
        self.postgres.start()
        # The test's own pooled connections were cut with the old server: drop them rather than
        # rely on the idle ping (a connection checked in under a second ago is not pinged).
        assert self.engine is not None
        self.engine.dispose()
        assert self.postgres.get_uri(database="wairo", driver="psycopg") == self.db_url

    # -- broker ------------------------------------------------------------------------------------

    def redis(self) -> redis.Redis:
        return redis.Redis.from_url(self.broker_url, socket_timeout=5, socket_connect_timeout=5)

    def broker_running(self) -> bool:
        return bool(self.broker.is_running())

    def stop_broker(self) -> None:
        self.broker.stop()

    def start_broker(self) -> None:
        self.broker.start(timeout=20)
        assert self.broker.port == self.ports["broker"]

    # -- storage -----------------------------------------------------------------------------------

    def stop_storage(self) -> None:
        """Kill the proxy between the worker and storage: its connections are refused."""
        child = self.children["s3_proxy"]
        os.killpg(child.popen.pid, signal.SIGKILL)
        child.popen.wait(10)
        self._forget("s3_proxy")

    def start_storage(self) -> None:
        port = str(self.ports["s3_proxy"])
        child = self._spawn("s3_proxy", ["-m", "tests.faults.servers", "proxy", port, str(self.ports["s3"])])
        wait_for(lambda: http_ok(f"{self.s3_proxy_url}/moto-api/"), "the S3 proxy", proc=child)

    def s3(self) -> Any:
        """A client of the S3 server itself (not through the proxy)."""
        return boto3.client(
            "s3",
            endpoint_url=self.s3_url,
            aws_access_key_id=self.settings.s3.access_key,
            aws_secret_access_key=self.settings.s3.secret_key,
            region_name=self.settings.s3.region,
            config=Config(s3={"addressing_style": "path"}),
        )

    def objects(self, prefix: str = "") -> dict[str, str]:
        """Key → ETag of every object under `prefix`."""
        found: dict[str, str] = {}
        pages = self.s3().get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix)
        for page in pages:
            found |= {obj["Key"]: obj["ETag"] for obj in page.get("Contents", [])}
        return found

    def last_modified(self, prefix: str) -> dict[str, datetime]:
        """Key → when it was last written, of every object under `prefix`."""
        listed = self.s3().list_objects_v2(Bucket=self.bucket, Prefix=prefix).get("Contents", [])
        return {obj["Key"]: obj["LastModified"] for obj in listed}

    @property
    def bucket(self) -> str:
        return self.settings.s3.bucket

    # -- vision ------------------------------------------------------------------------------------

    def _spawn_vision(self) -> None:
        port = str(self.ports["vision"])
        self._spawn("vision", ["-m", "tests.faults.servers", "vision", port, str(self.gate_dir)])

    def _wait_vision(self) -> None:
        wait_for(
            lambda: http_ok(f"{self.vision_url}/healthz"),
            "the vision server",
            timeout_s=120,
            proc=self.children["vision"],
        )

    def start_vision(self) -> None:
        self._spawn_vision()
        self._wait_vision()

    def stop_vision(self) -> None:
        self.children["vision"].stop()
        self._forget("vision")

    def hold_vision(self) -> None:
        """From now on the vision server holds each request until `release_vision`."""
        (self.gate_dir / "hold").touch()

    def release_vision(self) -> None:
        (self.gate_dir / "hold").unlink(missing_ok=True)

    def vision_requests(self, key: str) -> int:
        """How many analyze requests the vision server received for `key`."""
        log = self.gate_dir / "requests.log"
        return log.read_text().splitlines().count(key) if log.exists() else 0

    # -- worker ------------------------------------------------------------------------------------

    def start_worker(
        self, beat: bool = False, visibility_timeout_s: int | None = None, wait: bool = True
    ) -> None:
        """The worker, with one pool process (the one that runs the jobs, and that a test kills), and
        beat if asked; they reach storage through the proxy."""
        vt = visibility_timeout_s or self.settings.broker_visibility_timeout_s
        sup = Supervisor(
            self.log_dir,
            self.env | {"WAIRO_S3_ENDPOINT": self.s3_proxy_url, "WAIRO_BROKER_VISIBILITY_TIMEOUT_S": str(vt)},
        )
        self._worker_log_offset = self.log_size("worker")
        children = c.start_worker(sup, self.data_dir, concurrency=1, beat=beat)
        self.sup.children.extend(children)
        self.children["worker"] = children[0]
        if beat:
            self.children["beat"] = children[1]
        self.worker_visibility_timeout = vt
        if wait:
            self._wait_worker()

    def _wait_worker(self) -> None:
        wait_for(
            lambda: " ready." in self.log("worker", self._worker_log_offset),
            "the Celery worker",
            timeout_s=120,
            proc=self.children["worker"],
        )

    def stop_worker(self) -> None:
        child = self.children.get("worker")
        if child is not None:
            child.stop()
            self._forget("worker")

    def kill_worker(self) -> None:
        """SIGKILL the worker and its pool processes (its process group), as a node crash does."""
        child = self.children["worker"]
        os.killpg(child.popen.pid, signal.SIGKILL)
        child.popen.wait(10)
        self._forget("worker")

    def worker_pool(self) -> list[psutil.Process]:
        """The worker's pool processes (the processes that run the jobs)."""
        return list(psutil.Process(self.children["worker"].popen.pid).children())

    def log(self, name: str, offset: int = 0) -> str:
        path = self.log_dir / f"{name}.log"
        if not path.exists():
            return ""
        with path.open("rb") as f:
            f.seek(offset)
            return f.read().decode(errors="replace")

    def log_size(self, name: str) -> int:
        path = self.log_dir / f"{name}.log"
        return path.stat().st_size if path.exists() else 0

    # -- database ----------------------------------------------------------------------------------

    @contextmanager
    def db(self) -> Iterator[Session]:
        assert self.engine is not None
        session = sessionmaker(bind=self.engine, expire_on_commit=False)()
        try:
            yield session
            session.commit()
        finally:
            session.close()

    def photo(self, photo_id: str | uuid.UUID) -> Photo:
        with self.db() as session:
            photo = session.get(Photo, uuid.UUID(str(photo_id)))
            assert photo is not None
            return photo

    def job(self, dedup_key: str) -> OutboxMessage:
        """The outbox row of a job (its id is the Celery task id)."""
        with self.db() as session:
            row = session.scalar(select(OutboxMessage).where(OutboxMessage.dedup_key == dedup_key))
        assert row is not None, dedup_key
        return row

    def totals(self) -> Totals:
        with self.db() as session:
            return Totals(
                photos=session.scalar(select(func.count()).select_from(Photo)) or 0,
                faces=session.scalar(select(func.count()).select_from(Face)) or 0,
                outbox=session.scalar(select(func.count()).select_from(OutboxMessage)) or 0,
                outbox_unsent=session.scalar(
                    select(func.count()).select_from(OutboxMessage).where(OutboxMessage.sent_at.is_(None))
                )
                or 0,
                objects=len(self.objects()),
            )

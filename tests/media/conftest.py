"""Media fixtures: seeded tenants, generated images, a real Celery worker and a vision server.

The vision server: the real vision service is Ray Serve, too heavy to start inside this suite on a
small shared machine, so `vision_server` serves the same `/v1/analyze` contract from a plain HTTP
server in this process (bench/pipeline/vision_server.py), backed by the REAL analyzer (dlib
backend, reading the objects from S3 itself). Only the Ray Serve layer is left out.
"""

from __future__ import annotations

import io
import os
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy.orm import Session

from api.core.security import issue_access_token
from api.models import Operator, Photographer, Project, ProjectMember, ProjectPhotographer, Selfie, User
from api.stack.processes import free_port


@dataclass
class Tenant:
    operator: Operator
    photographer: Photographer
    project: Project
    operator_token: str
    photographer_token: str


def _token(subject: uuid.UUID, role: Any) -> str:
    audiences: Any = ["main", "media"] if role == "user" else ["backoffice", "media"]
    return issue_access_token(subject, role, audiences)


def seed_tenant(session: Session, **project: Any) -> Tenant:
    """An operator with one photographer assigned to one project (accounts straight in the DB)."""
    tag = uuid.uuid4().hex[:10]
    operator = Operator(name="Lumen Studio", email=f"op-{tag}@example.com", password_hash="x")
    session.add(operator)
    session.flush()
    photographer = Photographer(
        operator_id=operator.id, name="Ana Lens", email=f"ph-{tag}@example.com", password_hash="x"
    )
    proj = Project(operator_id=operator.id, name=f"Gala {tag}", **({"status": "live"} | project))
    session.add_all([photographer, proj])
    session.flush()
    session.add(ProjectPhotographer(project_id=proj.id, photographer_id=photographer.id))
    session.commit()  # a savepoint under the `db` fixture: survives the API's rollbacks on errors
    return Tenant(
        operator, photographer, proj, _token(operator.id, "operator"), _token(photographer.id, "photographer")
    )


def seed_user(session: Session, project: Project | None = None, consent: bool = False) -> tuple[User, str]:
    from api.models import Consent

    user = User(name="Guest", email=f"user-{uuid.uuid4().hex[:10]}@example.com", password_hash="x")
    session.add(user)
    session.flush()
    if project is not None:
        session.add(
            ProjectMember(
                project_id=project.id,
                user_id=user.id,
                qr_token_jti=uuid.uuid4().hex,
                qr_token_expires_at=project.created_at,
            )
        )
    if consent:
        session.add(Consent(user_id=user.id, consent_type="biometric_processing", consent_version="v1"))
    session.commit()
    return user, _token(user.id, "user")


def seed_selfie(session: Session, user_id: uuid.UUID, **extra: Any) -> Selfie:
    """An approved selfie (add `model` and an embedding for matching); flushed, not committed."""
    selfie = Selfie(
        user_id=user_id,
        object_key=f"selfies/{user_id}/{uuid.uuid4()}.jpg",
        content_type="image/jpeg",
        status="approved",
        upload_expires_at=datetime.now(UTC) + timedelta(hours=1),
        **extra,
    )
    session.add(selfie)
    session.flush()
    return selfie


def jpeg_bytes(
    size: tuple[int, int] = (1200, 900), exif: Image.Exif | None = None, fmt: str = "JPEG"
) -> bytes:
    # Gradients and noise: detail enough that the file is well over 1 KB.
    bands = (
        Image.linear_gradient("L").resize(size),
        Image.effect_noise(size, 40).convert("L"),
        Image.radial_gradient("L").resize(size),
    )
    image = Image.merge("RGB", bands)
    out = io.BytesIO()
    image.save(out, fmt, **({"exif": exif} if exif is not None else {}))
    return out.getvalue()


def exif_with_gps() -> Image.Exif:
    """Camera, lens, capture time (no offset), GPS (48.8584 N, 2.2945 E) and orientation 6."""
    exif = Image.Exif()
    exif[0x010F], exif[0x0110], exif[0x0112] = "Canon", "EOS R5", 6
    sub = exif.get_ifd(0x8769)
    sub[0x9003], sub[0xA434] = "2024:06:01 18:30:00", "RF 24-70mm"
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2], gps[3], gps[4] = "N", (48.0, 51.0, 30.24), "E", (2.0, 17.0, 40.2)
    return exif


def put(url: str, data: bytes, content_type: str) -> httpx.Response:
    return httpx.put(url, content=data, headers={"Content-Type": content_type}, timeout=30)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def wait_until(check: Callable[[], Any], timeout_s: float = 90.0, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.3)
    raise AssertionError(f"timed out after {timeout_s:.0f}s waiting for {what}")


# --- live stack: real commits, a real worker, a vision server ------------------------------------


@pytest.fixture(scope="session")
def vision_server(infra: dict[str, str]) -> Iterator[str]:
    from api.settings import get_settings
    from bench.pipeline.vision_server import VisionServer

    server = VisionServer(free_port()).start()
    os.environ["WAIRO_VISION_URL"] = server.url
    get_settings.cache_clear()
    yield server.url
    server.shutdown()
    os.environ.pop("WAIRO_VISION_URL", None)
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def worker(vision_server: str) -> Iterator[None]:
    """A real Celery worker (threads, in this process) consuming the real broker."""
    from celery.contrib.testing.worker import start_worker

    import api.processing.tasks  # noqa: F401  (registers the tasks)
    from api.jobs.worker import celery_app

    with start_worker(
        celery_app, pool="threads", concurrency=2, perform_ping_check=False, loglevel="WARNING"
    ):
        yield


@pytest.fixture
def live_media(worker: None) -> TestClient:
    """The media API with its real session dependency: commits are visible to the worker."""
    from api.apps.media import create_app

    return TestClient(create_app(), raise_server_exceptions=False)


@pytest.fixture
def committed() -> Iterator[Session]:
    """A session that commits (data of live tests is unique per test and stays)."""
    from api.core.db import get_sessionmaker

    session = get_sessionmaker()()
    yield session
    session.close()

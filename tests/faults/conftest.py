"""Fixtures of the fault tests: one dedicated stack of real processes for the whole directory
(tests/faults/harness.py), checked healthy before each test, and the flows the tests drive through
the real APIs (presign → PUT → complete, then poll) with the "nothing lost" checks."""

from __future__ import annotations

import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.faults.harness import VARIANTS, FaultStack
from tests.media.conftest import Tenant, bearer, jpeg_bytes, seed_tenant, wait_until

FACES = Path(__file__).resolve().parents[2].parent / "shared" / "faces" / "images"


@pytest.fixture(scope="package")
def stack() -> Iterator[FaultStack]:
    # Not pytest's tmp_path: Postgres runs as another OS user when we are root (see tests/conftest.py).
    data_dir = Path(tempfile.mkdtemp(prefix="wairo-faults-"))
    data_dir.chmod(0o755)
    faults = FaultStack(data_dir)
    try:
        yield faults.start()
    finally:
        try:
            faults.stop()
        finally:
            shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture
def faults(stack: FaultStack) -> FaultStack:
    """The stack, with every component running and no vision request held."""
    stack.ensure_healthy()
    return stack


@pytest.fixture
def tenant(faults: FaultStack) -> Tenant:
    with faults.db() as session:
        return seed_tenant(session)


@pytest.fixture
def media(faults: FaultStack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=faults.media_url, timeout=30) as client:
        yield client


@pytest.fixture
def main_api(faults: FaultStack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=faults.main_url, timeout=30) as client:
        yield client


def face_jpeg() -> bytes:
    """A group photo (six faces) when the shared face photos are here, else a generated image."""
    group = FACES / "group-t1.jpg"
    return group.read_bytes() if group.is_file() else jpeg_bytes((1280, 886))


def presign(media: httpx.Client, tenant: Tenant, size: int) -> dict[str, Any]:
    body = {"projectId": str(tenant.project.id), "contentType": "image/jpeg", "sizeBytes": size}
    response = media.post("/v1/photos/upload-url", json=body, headers=bearer(tenant.photographer_token))
    assert response.status_code == 201, response.text
    return dict(response.json())


def put_original(url: str, data: bytes) -> None:
    response = httpx.put(url, content=data, headers={"Content-Type": "image/jpeg"}, timeout=30)
    assert response.status_code == 200, response.text


def upload(media: httpx.Client, tenant: Tenant, data: bytes) -> str:
    """Presign and PUT a photo (not completed yet); returns its id."""
    url = presign(media, tenant, len(data))
    put_original(url["uploadUrl"], data)
    return str(url["photoId"])


def complete(media: httpx.Client, tenant: Tenant, photo_id: str) -> None:
    response = media.post(f"/v1/photos/{photo_id}/complete", headers=bearer(tenant.photographer_token))
    assert response.status_code == 202, response.text


def status_of(media: httpx.Client, tenant: Tenant, photo_id: str) -> dict[str, Any]:
    response = media.get(f"/v1/photos/{photo_id}", headers=bearer(tenant.photographer_token))
    assert response.status_code == 200, response.text
    return dict(response.json())


def wait_settled(
    media: httpx.Client, tenant: Tenant, photo_ids: list[str], timeout_s: float = 120
) -> dict[str, dict[str, Any]]:
    """Poll the media API until every photo is `ready` or `failed`; their bodies by id."""

    last: dict[str, str] = {}

    def settled() -> dict[str, dict[str, Any]] | None:
        bodies = {pid: status_of(media, tenant, pid) for pid in photo_ids}
        last.update({pid: b["status"] for pid, b in bodies.items()})
        done = all(b["status"] in ("ready", "failed") for b in bodies.values())
        return bodies if done else None

    try:
        result: dict[str, dict[str, Any]] = wait_until(settled, timeout_s, "the photos to settle")
    except AssertionError as exc:
        raise AssertionError(f"{exc}; last statuses: {last}") from None
    return result


def assert_processed_once(faults: FaultStack, tenant: Tenant, photo_ids: list[str]) -> None:
    """Nothing lost, nothing twice: each photo is `ready` with its three variants, and storage holds
    exactly its original and those variants; its faces rows are one set (as many as `face_count`);
    its processing job was recorded once in the outbox, and sent."""
    from sqlalchemy import func, select

    from api.models import Face, OutboxMessage

    for photo_id in photo_ids:
        photo = faults.photo(photo_id)
        assert photo.status == "ready", (photo_id, photo.status, photo.failure_reason)
        assert sorted(photo.variants) == sorted(VARIANTS)
        stored = faults.objects(f"photos/{tenant.project.id}/{photo_id}/")
        assert sorted(stored) == sorted([photo.original_key, *photo.variants.values()])
        with faults.db() as session:
            faces = session.scalar(select(func.count()).where(Face.photo_id == uuid.UUID(photo_id)))
            jobs = session.scalars(
                select(OutboxMessage).where(OutboxMessage.dedup_key == f"photo:{photo_id}:process")
            ).all()
        assert photo.face_count is not None and faces == photo.face_count
        assert len(jobs) == 1 and jobs[0].sent_at is not None

"""The flows the fault tests drive through the real APIs of their stack (presign → PUT → complete,
then poll) and the "nothing lost" checks."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from tests.factories import Tenant
from tests.faults.harness import VARIANTS, FaultStack
from tests.support.http import bearer, wait_until


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

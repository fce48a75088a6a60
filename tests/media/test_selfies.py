"""Several selfies per attendee: at most three kept, listed and deleted one by one, matched by the
nearest, all erased by a revocation. Real Postgres (rolled back) and S3; matching runs in-process."""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import numpy as np
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.apps.media import create_app
from api.consent.service import revoke_biometric_consent
from api.media.service import MAX_KEPT_SELFIES
from api.models import OutboxMessage, PhotoTag, Selfie
from api.processing.matching import cluster_faces
from tests.factories import Factory
from tests.support.http import assert_error, bearer

MODEL = "dlib-resnet-128"
RNG = np.random.default_rng(5)


def _unit() -> np.ndarray:
    v = RNG.standard_normal(128).astype(np.float32)
    return v / np.linalg.norm(v)


def _selfies(db: Session, user_id: uuid.UUID) -> int:
    return db.scalar(select(func.count()).select_from(Selfie).where(Selfie.user_id == user_id)) or 0


def test_a_fourth_kept_selfie_is_refused_until_one_is_deleted(
    media: TestClient, build: Factory, db: Session
) -> None:
    me = build.attendee(consent=True)
    earlier = datetime.now(UTC) - timedelta(hours=1)
    for status in ("approved", "processing"):
        build.selfie(me, status=status, created_at=earlier)
    build.selfie(me, status="rejected", rejection_reason="too_blurry", created_at=earlier)  # not counted
    expired = build.selfie(me, status="pending_upload", upload_expires_at=earlier, created_at=earlier)
    created = media.post("/v1/selfie/upload-url", headers=bearer(me.token))
    assert created.status_code == 201, created.text  # the third kept one
    assert_error(media.post("/v1/selfie/upload-url", headers=bearer(me.token)), 409, "selfie_limit")
    assert _selfies(db, me.id) == 5  # nothing written by the refusal

    listed = media.get("/v1/selfies", headers=bearer(me.token))
    assert listed.status_code == 200
    items = listed.json()
    assert len(items) == 5 and items[0]["id"] == created.json()["selfieId"]  # newest first
    assert {i["status"] for i in items} == {"approved", "processing", "rejected", "pending_upload"}
    assert next(i for i in items if i["status"] == "rejected")["rejectionReason"] == "too_blurry"

    assert media.delete(f"/v1/selfies/{expired.id}", headers=bearer(me.token)).status_code == 204
    assert_error(media.post("/v1/selfie/upload-url", headers=bearer(me.token)), 409, "selfie_limit")
    pending = created.json()["selfieId"]
    assert media.delete(f"/v1/selfies/{pending}", headers=bearer(me.token)).status_code == 204
    assert media.post("/v1/selfie/upload-url", headers=bearer(me.token)).status_code == 201
    assert MAX_KEPT_SELFIES == 3


def test_another_users_selfie_is_not_found_and_stays(media: TestClient, build: Factory, db: Session) -> None:
    me, other = build.attendee(consent=True), build.attendee(consent=True)
    theirs = build.selfie(other)
    assert_error(media.delete(f"/v1/selfies/{theirs.id}", headers=bearer(me.token)), 404)
    assert_error(media.delete(f"/v1/selfies/{uuid.uuid4()}", headers=bearer(me.token)), 404)
    assert media.get("/v1/selfies", headers=bearer(me.token)).json() == []
    assert _selfies(db, other.id) == 1


def test_deleting_an_approved_selfie_deletes_its_object_and_matches_again(
    media: TestClient, build: Factory, db: Session
) -> None:
    t = build.tenant()
    me = build.attendee(t.project, consent=True)
    selfie = build.selfie(me, model=MODEL, embedding_128=_unit().tolist())
    assert media.delete(f"/v1/selfies/{selfie.id}", headers=bearer(me.token)).status_code == 204
    assert db.get(Selfie, selfie.id) is None
    jobs = [(m.task, m.payload) for m in db.scalars(select(OutboxMessage).where(OutboxMessage.kind == "job"))]
    assert ("delete_objects", {"keys": [selfie.object_key]}) in jobs
    assert ("cluster_faces", {"userId": str(me.id), "projectId": str(t.project.id)}) in jobs


def test_matching_uses_the_nearest_selfie_and_forgets_a_deleted_one(
    media: TestClient, build: Factory, db: Session
) -> None:
    """A face near only the second selfie (glasses on) is tagged; once that selfie is deleted, the
    match run again removes exactly that tag."""
    t = build.tenant()
    me = build.attendee(t.project, consent=True)
    plain, glasses = _unit(), _unit()
    build.selfie(me, model=MODEL, embedding_128=plain.tolist())
    second = build.selfie(me, model=MODEL, embedding_128=glasses.tolist())
    by_plain, by_glasses, nobody = (build.photo(t.project) for _ in range(3))
    build.face(by_plain, (plain + 0.01).tolist(), MODEL)
    build.face(by_glasses, (glasses + 0.01).tolist(), MODEL)
    build.face(nobody, _unit().tolist(), MODEL)
    confirmed = build.photo(t.project)
    build.tag(me, confirmed, source="confirmed")

    assert cluster_faces(db, me.id, t.project.id) == 2
    live = select(PhotoTag.photo_id, PhotoTag.source).where(
        PhotoTag.user_id == me.id, PhotoTag.deleted_at.is_(None)
    )
    assert set(db.execute(live).all()) == {
        (by_plain.id, "auto"),
        (by_glasses.id, "auto"),
        (confirmed.id, "confirmed"),
    }
    assert media.delete(f"/v1/selfies/{second.id}", headers=bearer(me.token)).status_code == 204
    assert cluster_faces(db, me.id, t.project.id) == 1
    assert set(db.execute(live).all()) == {(by_plain.id, "auto"), (confirmed.id, "confirmed")}


def test_revocation_erases_every_selfie(build: Factory, db: Session) -> None:
    me = build.attendee(consent=True)
    keys = {build.selfie(me, model=MODEL, embedding_128=_unit().tolist()).object_key for _ in range(3)}
    revoke_biometric_consent(db, me.id)
    db.flush()
    assert _selfies(db, me.id) == 0
    jobs = db.scalars(select(OutboxMessage).where(OutboxMessage.task == "delete_objects")).all()
    # one job for all of them (other jobs, committed by other tests, may delete prefixes instead)
    assert [set(j.payload.get("keys", [])) for j in jobs if set(j.payload.get("keys", [])) & keys] == [keys]


def test_concurrent_upload_urls_cannot_pass_the_limit(infra: dict[str, str], committed: Session) -> None:
    """Two requests for the last free place at once, each through its own app and session, on
    committed rows: one is refused."""
    me = Factory(committed).attendee(consent=True)
    for _ in range(MAX_KEPT_SELFIES - 1):
        Factory(committed).selfie(me)
    committed.commit()
    start = threading.Barrier(2)

    def one(_: int) -> int:
        with TestClient(create_app(), raise_server_exceptions=False) as client:
            start.wait()
            return client.post("/v1/selfie/upload-url", headers=bearer(me.token)).status_code

    with ThreadPoolExecutor(2) as pool:
        assert sorted(pool.map(one, range(2))) == [201, 409]
    committed.expire_all()
    assert _selfies(committed, me.id) == MAX_KEPT_SELFIES

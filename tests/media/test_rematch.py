"""Whole-project re-match: the stored auto tags become exactly the batched result.

The database side runs on real Postgres (rolled back); the matcher is the vision service's own
handler (`match_response`) fed the request through its JSON wire form, so only the HTTP hop is left
out here (tests/vision/test_serve.py covers it on Ray Serve, and
tests/media/test_pipeline.py runs the trigger → worker → service path end to end).
"""

from __future__ import annotations

import threading
import uuid
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, func, select, text
from sqlalchemy.orm import Session

from api.consent.service import has_active_consent, revoke_biometric_consent
from api.core.db import get_engine, get_sessionmaker
from api.models import Face, OutboxMessage, Photo, PhotoTag, Project
from api.processing.matching import cluster_faces, rematch_project
from tests.factories import Factory, Tenant
from tests.support.http import bearer, wait_until
from vision.serve.convert import match_response
from wairo_contracts.vision import MatchRequest, MatchResponse

MODEL = "dlib-resnet-128"
RNG = np.random.default_rng(11)


def _unit() -> np.ndarray:
    v = RNG.standard_normal(128).astype(np.float32)
    return v / np.linalg.norm(v)


def _matcher(calls: list[MatchRequest]) -> Any:
    def match(request: MatchRequest) -> MatchResponse:
        calls.append(request)
        return match_response(MatchRequest.model_validate_json(request.model_dump_json()))

    return match


def _photo(build: Factory, project: Project, faces: list[np.ndarray], status: str = "ready") -> Photo:
    photo = build.photo(project, status=status)
    for vector in faces:
        build.face(photo, vector.tolist(), MODEL)
    return photo


def _guest(build: Factory, project: Project, vector: np.ndarray, consent: bool = True) -> uuid.UUID:
    guest = build.attendee(project, consent=consent)
    build.selfie(guest, model=MODEL, embedding_128=vector.tolist())
    return guest.id


def _live_tags(session: Session, project: Project) -> set[tuple[uuid.UUID, uuid.UUID, str]]:
    rows = session.execute(
        select(PhotoTag.user_id, PhotoTag.photo_id, PhotoTag.source)
        .join(Photo, Photo.id == PhotoTag.photo_id)
        .where(Photo.project_id == project.id, PhotoTag.deleted_at.is_(None))
    )
    return {(r.user_id, r.photo_id, r.source) for r in rows}


def _face_of(session: Session, photo: Photo) -> uuid.UUID:
    return session.scalars(select(Face.id).where(Face.photo_id == photo.id)).one()


def test_rematch_replaces_auto_tags_and_keeps_confirmed_ones(build: Factory, db: Session) -> None:
    t = build.tenant()
    ana_face, ben_face, cy_face = _unit(), _unit(), _unit()
    ana = _guest(build, t.project, ana_face)
    ben = _guest(build, t.project, ben_face)
    _guest(build, t.project, cy_face, consent=False)  # no biometric consent: never matched
    both = _photo(build, t.project, [ana_face + 0.01, ben_face + 0.01, _unit()])
    ana_only = _photo(build, t.project, [ana_face + 0.01])
    cy_only = _photo(build, t.project, [cy_face])
    stranger = _photo(build, t.project, [_unit()])
    _photo(build, t.project, [ben_face], status="processing")  # not ready: not matched yet
    # Stale state, as a threshold change would leave it: a wrong auto tag, a missing one, and a
    # tag a person confirmed (which the re-match must not touch even though it "disagrees").
    db.add_all(
        [
            PhotoTag(photo_id=stranger.id, user_id=ana, face_id=_face_of(db, stranger), source="auto"),
            PhotoTag(photo_id=cy_only.id, user_id=ben, face_id=_face_of(db, cy_only), source="confirmed"),
            PhotoTag(photo_id=ana_only.id, user_id=ana, face_id=None, source="auto", distance=0.5),
        ]
    )
    other = build.tenant()  # another tenant's project and tags stay as they are
    other_guest = _guest(build, other.project, ana_face)
    other_photo = _photo(build, other.project, [_unit()])
    db.add(PhotoTag(photo_id=other_photo.id, user_id=other_guest, source="auto"))
    db.flush()

    calls: list[MatchRequest] = []
    summary = rematch_project(db, t.project.id, _matcher(calls))

    assert len(calls) == 1  # one batched job for the whole project (one model)
    assert (calls[0].user_embeddings.rows, calls[0].face_embeddings.rows) == (2, 6)
    assert _live_tags(db, t.project) == {
        (ana, both.id, "auto"),
        (ben, both.id, "auto"),
        (ana, ana_only.id, "auto"),
        (ben, cy_only.id, "confirmed"),
    }
    assert summary.as_dict() == {"members": 2, "faces": 6, "tags": 3, "added": 2, "moved": 1, "removed": 1}
    moved = db.scalars(
        select(PhotoTag).where(PhotoTag.photo_id == ana_only.id, PhotoTag.deleted_at.is_(None))
    )
    assert [(tag.face_id, tag.distance is not None and tag.distance < 0.09) for tag in moved] == [
        (_face_of(db, ana_only), True)
    ]
    assert _live_tags(db, other.project) == {(other_guest, other_photo.id, "auto")}

    # Running it again changes nothing: same tags, nothing added, moved or removed.
    again = rematch_project(db, t.project.id, _matcher(calls))
    assert (again.added, again.moved, again.removed, again.tags) == (0, 0, 0, 3)
    assert len(_live_tags(db, t.project)) == 4


def test_rematch_of_a_project_without_selfies_asks_nothing(build: Factory, db: Session) -> None:
    t = build.tenant()
    _photo(build, t.project, [_unit()])
    calls: list[MatchRequest] = []
    assert rematch_project(db, t.project.id, _matcher(calls)).as_dict() == {
        "members": 0,
        "faces": 0,
        "tags": 0,
        "added": 0,
        "moved": 0,
        "removed": 0,
    }
    assert calls == []


def _rematch(backoffice: TestClient, tenant: Tenant, project_id: Any) -> Any:
    return backoffice.post(f"/v1/projects/{project_id}:rematch", headers=bearer(tenant.operator_token))


def _jobs(db: Session, *projects: Any) -> list[Any]:
    return list(
        db.scalars(
            select(OutboxMessage.payload).where(
                OutboxMessage.task == "rematch_project",
                OutboxMessage.payload["projectId"].astext.in_([str(p) for p in projects]),
            )
        )
    )


def test_operator_triggers_one_rematch_job(backoffice: TestClient, build: Factory, db: Session) -> None:
    t = build.tenant()
    first = _rematch(backoffice, t, t.project.id)
    assert first.status_code == 202
    assert first.json() == {"projectId": str(t.project.id), "status": "queued"}
    assert _rematch(backoffice, t, t.project.id).status_code == 202
    assert _jobs(db, t.project.id) == [{"projectId": str(t.project.id)}]  # one job per minute


def test_jobs_of_a_project_with_dedicated_workers_go_to_its_queue(
    backoffice: TestClient, build: Factory, db: Session
) -> None:
    from wairo_contracts.project import queue_name

    shared, dedicated = build.tenant(), build.tenant(dedicated_workers=2)
    for tenant in (shared, dedicated):
        assert _rematch(backoffice, tenant, tenant.project.id).status_code == 202
    queues: dict[str, str | None] = dict(
        db.execute(
            select(OutboxMessage.payload["projectId"].astext, OutboxMessage.queue).where(
                OutboxMessage.task == "rematch_project",
                OutboxMessage.payload["projectId"].astext.in_(
                    [str(shared.project.id), str(dedicated.project.id)]
                ),
            )
        ).all()
    )
    assert queues == {
        str(shared.project.id): None,
        str(dedicated.project.id): queue_name(str(dedicated.project.id)),
    }


def test_rematch_is_refused_outside_the_operators_projects(
    backoffice: TestClient, build: Factory, db: Session
) -> None:
    mine, theirs = build.tenant(), build.tenant()
    assert _rematch(backoffice, mine, theirs.project.id).status_code == 404
    assert _rematch(backoffice, mine, uuid.uuid4()).status_code == 404
    photographer = backoffice.post(
        f"/v1/projects/{mine.project.id}:rematch", headers=bearer(mine.photographer_token)
    )
    assert photographer.status_code == 403
    bad = _rematch(backoffice, mine, "not-a-uuid")
    assert bad.status_code == 422 and "error" in bad.json()
    assert _jobs(db, mine.project.id, theirs.project.id) == []


def _waiting_on_a_lock(backend_pid: int) -> bool:
    """Whether that backend waits for a row lock (read in a fresh transaction: pg_stat_activity is
    a snapshot per transaction)."""
    with get_engine().connect() as conn:
        state = conn.execute(
            text("SELECT wait_event_type FROM pg_stat_activity WHERE pid = :pid"), {"pid": backend_pid}
        ).scalar()
    return state == "Lock"


@pytest.mark.parametrize("job", ["cluster_faces", "rematch_project"])
@pytest.mark.parametrize("first", ["matching", "revocation"])
def test_revocation_racing_matching_leaves_no_live_auto_tag(
    infra: dict[str, str], committed: Session, job: str, first: str
) -> None:
    """Two real connections: one holds its transaction open after matching (or revoking), the
    other runs the opposite in a thread meanwhile; once both committed the revoked user has no live
    auto tag, whichever went first."""
    live = Factory(committed)
    t = live.tenant()
    face = _unit()
    user_id = _guest(live, t.project, face)
    _photo(live, t.project, [face + 0.01])
    committed.commit()

    def matching(session: Session) -> None:
        if job == "cluster_faces":
            cluster_faces(session, user_id, t.project.id)
        else:
            rematch_project(session, t.project.id, _matcher([]))

    def revoking(session: Session) -> None:
        revoke_biometric_consent(session, user_id)

    hold, race = (matching, revoking) if first == "matching" else (revoking, matching)
    holder, racer = get_sessionmaker()(), get_sessionmaker()()
    errors: list[BaseException] = []

    def run_racer() -> None:
        try:
            race(racer)
            racer.commit()
        except BaseException as exc:
            errors.append(exc)

    try:
        hold(holder)  # its transaction stays open
        if first == "matching":
            assert {u for u, _, _ in _live_tags(holder, t.project)} == {user_id}  # it did match
        racer_pid = int(racer.scalar(select(func.pg_backend_pid())) or 0)
        thread = threading.Thread(target=run_racer)
        thread.start()
        wait_until(
            lambda: not thread.is_alive() or _waiting_on_a_lock(racer_pid), what="the racer blocked or done"
        )
        holder.commit()
        thread.join(timeout=60)
        assert not thread.is_alive() and errors == []
    finally:
        holder.close()
        racer.close()
    committed.expire_all()
    assert _live_tags(committed, t.project) == set()
    assert not has_active_consent(committed, user_id)
    # The selfie deletion job stays unsent; other tests count the outbox's deletion jobs.
    committed.execute(
        delete(OutboxMessage).where(OutboxMessage.payload["keys"][0].astext.like(f"selfies/{user_id}/%"))
    )
    committed.commit()


def test_a_rematch_in_chunks_of_whole_photos_gives_the_tags_of_one_request(
    build: Factory, db: Session
) -> None:
    """Three members, two of them near the same faces (the margin rule decides between them),
    photos of 1 to 4 faces: chunks of 3 faces need several requests, never split a photo (the one
    of 4 faces goes alone), and end in exactly the tags one request gives."""
    t = build.tenant()
    ana_face, ben_face, cy_face = _unit(), _unit(), _unit()
    ana, ben = _guest(build, t.project, ana_face), _guest(build, t.project, ana_face + 0.02)
    cy = _guest(build, t.project, cy_face)
    layouts = [
        [ana_face + 0.01, _unit()],
        [ana_face + 0.015, ben_face, cy_face + 0.01, _unit()],
        [cy_face],
        [_unit(), ana_face + 0.012, cy_face + 0.02],
        [ana_face + 0.03],
        [_unit(), _unit()],
    ]
    photos = [_photo(build, t.project, faces) for faces in layouts]
    db.flush()

    def tags() -> dict[tuple[uuid.UUID, uuid.UUID, uuid.UUID | None], float | None]:
        rows = db.execute(
            select(PhotoTag.user_id, PhotoTag.photo_id, PhotoTag.face_id, PhotoTag.distance)
            .join(Photo, Photo.id == PhotoTag.photo_id)
            .where(Photo.project_id == t.project.id, PhotoTag.deleted_at.is_(None))
        )
        return {(r.user_id, r.photo_id, r.face_id): r.distance for r in rows}

    chunked: list[MatchRequest] = []
    summary = rematch_project(db, t.project.id, _matcher(chunked), chunk_faces=3)
    in_chunks = tags()
    one: list[MatchRequest] = []
    again = rematch_project(db, t.project.id, _matcher(one), chunk_faces=1000)

    # The photo of 4 faces alone, the other 9 faces in chunks of at most 3: 4 requests or more.
    assert len(one) == 1 and len(chunked) >= 4
    assert all(len(r.faces) <= 3 or len(set(r.photos)) == 1 for r in chunked)
    assert sum(len(r.faces) for r in chunked) == len(one[0].faces) == summary.faces == 13
    faces_of = {
        p.id: {str(f) for f in db.scalars(select(Face.id).where(Face.photo_id == p.id))} for p in photos
    }
    for request in chunked:
        for photo in set(request.photos):
            assert {f for f, p in zip(request.faces, request.photos, strict=True) if p == photo} == faces_of[
                uuid.UUID(photo)
            ]
    assert (again.added, again.moved, again.removed) == (0, 0, 0)
    # The same tags on the same faces; distances equal up to float32 rounding (BLAS sums a
    # matrix product of another shape in another order).
    assert tags() == pytest.approx(in_chunks, abs=1e-6)
    assert {ana, cy} <= {u for u, *_ in in_chunks}
    assert ben is not None

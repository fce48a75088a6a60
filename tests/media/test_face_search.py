"""The face search of `cluster_faces` on real Postgres: the exact scan (small projects) and the
HNSW iterative scan (large ones, taken here by lowering the size threshold) find the same faces,
all of those within the model's threshold, and only the project's."""

from __future__ import annotations

import uuid
from typing import Any

import numpy as np
import pytest
from sqlalchemy import event, select, text
from sqlalchemy.orm import Session

from api.models import PhotoTag
from api.processing import matching
from tests.factories import Factory
from tests.support.plans import explain
from wairo_contracts.faces import face_model
from wairo_contracts.matching import cosine_distances, l2_normalise

MODEL = "dlib-resnet-128"
THRESHOLD = face_model(MODEL).threshold
RNG = np.random.default_rng(5)


def _near(centre: np.ndarray, n: int) -> np.ndarray:
    """n faces of the person at ``centre`` (cosine distance ~0.03, inside the threshold)."""
    return l2_normalise(centre + RNG.normal(scale=0.015, size=(n, 128)))


class Event:
    """A project of 64 faces on 32 photos, two per photo: the person's 12 (10 of them on 5 ready
    photos) and 52 others; another project holds a face of the person too."""

    def __init__(self, build: Factory) -> None:
        self.project = build.tenant().project
        self.person = l2_normalise(RNG.normal(size=128))[0]
        self.user = build.attendee(self.project, consent=True).id
        build.selfie(self.user, model=MODEL, embedding_128=self.person.tolist())
        vectors = np.concatenate([_near(self.person, 12), l2_normalise(RNG.normal(size=(52, 128)))])
        self.ready: dict[uuid.UUID, uuid.UUID] = {}  # face -> photo, the person's faces on ready photos
        for start in range(0, len(vectors), 2):
            status = "processing" if start == 4 else "ready"
            photo = build.photo(self.project, status=status)
            for i in (start, start + 1):
                face = build.face(photo, vectors[i].tolist(), MODEL)
                within = cosine_distances([self.person], [vectors[i]])[0, 0] <= THRESHOLD
                if within and status == "ready":
                    self.ready[face.id] = photo.id
        assert len(self.ready) == 10
        elsewhere = build.tenant().project
        build.face(build.photo(elsewhere), _near(self.person, 1)[0].tolist(), MODEL)

    def search(self, session: Session) -> dict[uuid.UUID, uuid.UUID]:
        args = (self.project.id, MODEL, "embedding_128", self.person, THRESHOLD)
        return {face: photo for face, photo, _ in matching.face_candidates(session, *args)}


def _take_the_hnsw_path(db: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    """The size threshold lowered below the event's 64 faces, the statistics the estimate reads
    brought up to date (ANALYZE, in the test's transaction), and the planner kept from reading a
    table this small whole and sorting it."""
    monkeypatch.setattr(matching, "EXACT_SEARCH_MAX_FACES", 16)
    db.execute(text("ANALYZE faces"))
    db.execute(text("SET LOCAL enable_seqscan = off; SET LOCAL enable_sort = off"))


def test_exact_and_hnsw_find_every_face_within_the_threshold(
    build: Factory, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    e = Event(build)
    db.flush()
    exact = e.search(db)
    assert exact == e.ready  # complete, ready photos only, this project only

    statements: list[tuple[str, Any]] = []

    def record(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        if "MATERIALIZED" in statement:
            statements.append((statement, parameters))

    bind = db.connection()
    event.listen(bind, "before_cursor_execute", record)
    _take_the_hnsw_path(db, monkeypatch)
    # The first limit (2) is reached, then 8; 32 holds the person's 12 and more.
    monkeypatch.setattr(matching, "HNSW_FIRST_LIMIT", 2)
    try:
        assert e.search(db) == e.ready
    finally:
        event.remove(bind, "before_cursor_execute", record)
    limits = [[v for k, v in p.items() if k.startswith("param_")] for _, p in statements]
    assert limits == [[2], [8], [32]]
    for plan in explain(db, statements):
        assert "Index Scan using ix_faces_embedding_128_hnsw" in plan, plan
    assert db.scalar(text("SELECT current_setting('hnsw.iterative_scan')")) == "relaxed_order"


def test_a_scan_that_stops_short_falls_back_to_the_exact_search(
    build: Factory, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A limit the index scan cannot fill (here: more than the project's faces; in production,
    hnsw.max_scan_tuples visited first) is no proof of completeness: the search is exact then."""
    e = Event(build)
    db.flush()
    _take_the_hnsw_path(db, monkeypatch)
    monkeypatch.setattr(matching, "HNSW_FIRST_LIMIT", 100)
    args = (e.project.id, MODEL, "embedding_128", e.person, THRESHOLD)
    assert matching.hnsw_candidates(db, *args) is None
    assert e.search(db) == e.ready


def test_cluster_faces_on_the_hnsw_path(build: Factory, db: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    e = Event(build)
    db.flush()
    _take_the_hnsw_path(db, monkeypatch)
    assert matching.estimated_faces(db, e.project.id) > 16
    assert matching.cluster_faces(db, e.user, e.project.id) == 5  # 10 faces on 5 ready photos
    tagged = db.scalars(
        select(PhotoTag.photo_id).where(PhotoTag.user_id == e.user, PhotoTag.deleted_at.is_(None))
    )
    assert set(tagged) == set(e.ready.values())

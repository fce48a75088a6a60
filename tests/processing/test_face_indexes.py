"""Per-project HNSW indexes on real Postgres: built for a project above the threshold, used by its
searches, kept while it stays above half of it, dropped when it is gone. Committed rows: an index
built CONCURRENTLY sees only committed data (the project is deleted at the end)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from sqlalchemy import Engine, delete, event, text
from sqlalchemy.orm import Session

from api.models import Project
from api.processing import face_indexes, matching
from api.processing.face_indexes import ProjectIndex
from tests.factories import Factory
from tests.support.plans import explain
from wairo_contracts.faces import face_model
from wairo_contracts.matching import l2_normalise

MODEL = "dlib-resnet-128"
MIN_FACES = 120
RNG = np.random.default_rng(11)


def _indexes(engine: Engine) -> dict[str, str]:
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'faces' AND indexname LIKE :p"
            ),
            {"p": f"{face_indexes.INDEX_PREFIX}%"},
        )
        return {name: definition for name, definition in rows}


def _analyze(engine: Engine) -> None:
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("ANALYZE faces"))


@pytest.fixture
def big_project(committed: Session, engine: Engine) -> Iterator[tuple[uuid.UUID, np.ndarray]]:
    """A project of 150 faces (two per photo) and the person whose 6 faces are among them."""
    build = Factory(committed)
    project = build.tenant().project
    person = l2_normalise(RNG.normal(size=128))[0]
    vectors = np.concatenate(
        [
            l2_normalise(person + RNG.normal(scale=0.015, size=(6, 128))),
            l2_normalise(RNG.normal(size=(144, 128))),
        ]
    )
    for start in range(0, len(vectors), 2):
        photo = build.photo(project)
        for vector in vectors[start : start + 2]:
            build.face(photo, vector.tolist(), MODEL)
    committed.commit()
    yield project.id, person
    committed.execute(delete(Project).where(Project.id == project.id))
    committed.commit()
    _analyze(engine)
    face_indexes.run_sync(engine, MIN_FACES)  # its index goes with it
    assert ProjectIndex(project.id, MODEL).name not in _indexes(engine)


def test_a_large_project_gets_its_own_index_and_its_searches_use_it(
    big_project: tuple[uuid.UUID, np.ndarray], engine: Engine, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    project_id, person = big_project
    name = ProjectIndex(project_id, MODEL).name
    _analyze(engine)
    changes = face_indexes.run_sync(engine, MIN_FACES)
    assert changes is not None and name in changes.created and name not in changes.dropped
    definition = _indexes(engine)[name]
    assert "USING hnsw (embedding_128 vector_cosine_ops)" in definition
    assert f"project_id = '{project_id}'::uuid" in definition and f"(model)::text = '{MODEL}'" in definition

    again = face_indexes.run_sync(engine, MIN_FACES)  # nothing to do the second time
    assert again is not None and name not in again.created + again.dropped

    statements: list[tuple[str, Any]] = []

    def record(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        if "MATERIALIZED" in statement:
            statements.append((statement, parameters))

    monkeypatch.setattr(matching, "EXACT_SEARCH_MAX_FACES", 16)
    db.execute(text("SET LOCAL enable_seqscan = off; SET LOCAL enable_sort = off"))  # a table this small
    bind = db.connection()
    event.listen(bind, "before_cursor_execute", record)
    threshold = face_model(MODEL).threshold
    try:
        found = matching.face_candidates(db, project_id, MODEL, "embedding_128", person, threshold)
    finally:
        event.remove(bind, "before_cursor_execute", record)
    exact = matching.exact_candidates(db, project_id, MODEL, "embedding_128", person, threshold)
    assert {f[0] for f in found} == {f[0] for f in exact} and len(exact) == 6
    assert statements, "the HNSW path was not taken"
    assert str(project_id) in statements[0][0]  # the project is a constant of the SQL, not a parameter
    (plan,) = explain(db, statements[:1])
    assert f"Index Scan using {name}" in plan, plan


def test_small_projects_get_none_and_an_invalid_index_is_rebuilt(
    big_project: tuple[uuid.UUID, np.ndarray], engine: Engine
) -> None:
    project_id, _ = big_project
    name = ProjectIndex(project_id, MODEL).name
    _analyze(engine)
    assert face_indexes.run_sync(engine, 10 * MIN_FACES) is not None
    assert name not in _indexes(engine)  # 150 faces: below a threshold of 1 200
    assert face_indexes.run_sync(engine, MIN_FACES) is not None
    with engine.connect().execution_options(
        isolation_level="AUTOCOMMIT"
    ) as conn:  # as a failed build leaves it
        conn.execute(
            text("UPDATE pg_index SET indisvalid = false WHERE indexrelid = CAST(:n AS regclass)"),
            {"n": name},
        )
    changes = face_indexes.run_sync(engine, MIN_FACES)
    assert changes is not None and name in changes.dropped and name in changes.created
    with engine.connect() as conn:
        valid = conn.scalar(
            text("SELECT indisvalid FROM pg_index WHERE indexrelid = CAST(:n AS regclass)"), {"n": name}
        )
    assert valid is True
    # Kept while the project holds at least half the threshold (no flapping around it).
    kept = face_indexes.run_sync(engine, 2 * MIN_FACES)
    assert kept is not None and name not in kept.dropped and name in _indexes(engine)

"""HNSW indexes of their own for the largest projects.

The table-wide HNSW index holds every project's faces: a search in one project filters the index's
candidates by project, so for a project that is a fifth of the table the iterative scan visits
five faces for each it keeps, and some of the project's nearest faces are never reached (the
benchmark's recall 0.96 at a million faces). A project with at least `PROJECT_INDEX_MIN_FACES`
faces of a model gets a partial HNSW index (`WHERE project_id = … AND model = …`) holding only its
faces: the planner takes it for that project's searches (`hnsw_candidates` names the project as a
constant), which are then unfiltered HNSW searches.

`sync_project_indexes` (a beat task) creates what is missing, `CREATE INDEX CONCURRENTLY` (writes go
on meanwhile), and drops the indexes of projects that are gone or shrank below half the threshold
(hysteresis: a project near the threshold does not flap). An index a failed build left invalid is
dropped and built again.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, text

from api.processing.matching import PROJECT_FACE_ESTIMATES
from wairo_contracts.faces import FACE_MODELS

PROJECT_INDEX_MIN_FACES = 50_000
INDEX_PREFIX = "ix_faces_hnsw_p_"
# Build parameters: a denser graph than pgvector's defaults (16, 64) for a better recall at the same
# ef_search; a project's index is built once, in the background.
HNSW_M = 16
HNSW_EF_CONSTRUCTION = 128
# One sync at a time across workers (a session-level advisory lock; another run skips).
_LOCK_KEY = 0x77616972_66696478  # "wairfidx"


@dataclass(frozen=True)
class ProjectIndex:
    project_id: uuid.UUID
    model: str

    @property
    def name(self) -> str:
        """Unique per (project, model), within Postgres's 63 characters: the project's hex and the
        model's position among FACE_MODELS."""
        return f"{INDEX_PREFIX}{self.project_id.hex}_{list(FACE_MODELS).index(self.model)}"

    def create_sql(self) -> str:
        column = f"embedding_{FACE_MODELS[self.model].dimension}"
        # Both values are ours (a UUID and a known model name), written as literals: a partial
        # index's predicate cannot take parameters.
        return (
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {self.name} ON faces "
            f"USING hnsw ({column} vector_cosine_ops) "
            f"WITH (m = {HNSW_M}, ef_construction = {HNSW_EF_CONSTRUCTION}) "
            f"WHERE project_id = '{self.project_id}'::uuid AND model = '{self.model}'"
        )


_LARGE_PROJECTS = text(
    """
    SELECT project_id, model, count(*) AS faces
    FROM faces
    WHERE project_id = ANY(:candidates)
    GROUP BY project_id, model
    """
)
# The projects the planner's statistics list among the commonest (a project of 50 000 faces is),
# by their estimated faces: only those are counted exactly.
_COMMON_PROJECTS = text(f"SELECT project_id FROM ({PROJECT_FACE_ESTIMATES}) e WHERE faces >= :min_faces / 2")
_EXISTING = text(
    """
    SELECT c.relname, i.indisvalid
    FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
    WHERE i.indrelid = 'faces'::regclass AND c.relname LIKE :prefix
    """
)


@dataclass(frozen=True)
class IndexChanges:
    created: list[str]
    dropped: list[str]


def sync_project_indexes(conn: Connection, min_faces: int = PROJECT_INDEX_MIN_FACES) -> IndexChanges:
    """Create the missing per-project indexes and drop the unwanted ones. `conn` must be in
    autocommit (CONCURRENTLY cannot run in a transaction)."""
    candidates = [row[0] for row in conn.execute(_COMMON_PROJECTS, {"min_faces": min_faces})]
    pairs = {
        ProjectIndex(project_id, model): faces
        for project_id, model, faces in conn.execute(_LARGE_PROJECTS, {"candidates": candidates})
        if model in FACE_MODELS
    }
    keep = {index.name for index, faces in pairs.items() if faces >= min_faces // 2}
    existing = {name: valid for name, valid in conn.execute(_EXISTING, {"prefix": f"{INDEX_PREFIX}%"})}
    dropped = [name for name, valid in existing.items() if name not in keep or not valid]
    for name in dropped:
        conn.execute(text(f"DROP INDEX CONCURRENTLY IF EXISTS {name}"))
    created = []
    for index, faces in sorted(pairs.items(), key=lambda item: -item[1]):
        if faces >= min_faces and (index.name not in existing or index.name in dropped):
            conn.execute(text(index.create_sql()))
            created.append(index.name)
    return IndexChanges(created, dropped)


def run_sync(engine: Engine, min_faces: int = PROJECT_INDEX_MIN_FACES) -> IndexChanges | None:
    """`sync_project_indexes` on a connection of its own, in autocommit and without the pool's
    statement timeout (an index of 200 000 faces takes minutes to build); None when another run
    holds the lock."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        if not conn.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": _LOCK_KEY}):
            return None
        try:
            conn.execute(text("SET statement_timeout = 0"))
            return sync_project_indexes(conn, min_faces)
        finally:
            conn.execute(text("RESET statement_timeout"))
            conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": _LOCK_KEY})

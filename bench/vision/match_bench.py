"""Selfie -> matches at scale, on the real schema in real PostgreSQL + pgvector.

The database is built by the migrations (`alembic upgrade head`) and loaded with COPY: faces over
many projects of skewed sizes (one large project, the rest 1 000-20 000 faces each), 4 faces per
ready photo, photos of all projects interleaved as a live platform writes them; synthetic
embeddings with identity clusters (`synthetic_faces`). The HNSW index is built after the load
(timed). Each query is a selfie near an identity of the project, searched by the API's own code
(`api.processing.matching.face_candidates`: the strategy `cluster_faces` uses, and each of its two
paths forced, for the comparison) in its own transaction; recall is every face within the model's
threshold against exact search by NumPy over the same project's faces. Last, a whole-project
re-match (`rematch_project`) of a separate project, the vision service's match function called
in-process.
"""

from __future__ import annotations

import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from wairo_contracts.faces import FACE_MODELS, FaceModel
from wairo_contracts.matching import l2_normalise

FACES_PER_PHOTO = 4
FACES_PER_IDENTITY = 30  # a photo-heavy event; noise puts same-identity faces ~0.05 apart (128-d)
NOISE = 0.02
BIG_PROJECT_MAX = 200_000
SMALL_PROJECT = (1_000, 20_000)
CHOSEN = "chosen (face_candidates)"


@dataclass(frozen=True, slots=True)
class Timing:
    p50_ms: float
    p95_ms: float
    recall: float  # faces within the threshold found, over those NumPy finds
    queries: int
    gave_up: int  # HNSW scans that stopped short (hnsw.max_scan_tuples): nothing returned


@dataclass(slots=True)
class MatchBenchResult:
    faces: int
    projects: int
    dim: int
    load_s: float
    index_s: float
    vacuum_s: float
    # (method, project group) -> timing; groups: "big" and size buckets of the small projects
    timings: dict[tuple[str, str], Timing] = field(default_factory=dict)
    np_p95_ms: float = 0.0  # NumPy brute force over the big project's faces
    own_index_s: float = 0.0  # the per-project HNSW indexes (face_indexes.run_sync) built after the load
    rematch: dict[str, float] = field(default_factory=dict)


def synthetic_faces(
    n: int, dim: int, identities: int, noise: float, rng: np.random.Generator
) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.int64], npt.NDArray[np.float32]]:
    """(face embeddings, identity of each face, identity centres): clustered unit vectors."""
    centres = l2_normalise(rng.normal(size=(identities, dim)))
    ident = rng.integers(0, identities, size=n)
    faces = l2_normalise(centres[ident] + rng.normal(scale=noise, size=(n, dim)).astype(np.float32))
    return faces, ident.astype(np.int64), centres


def project_sizes(total: int, rng: np.random.Generator) -> list[int]:
    """One big project (min(200 000, total - 20 000) faces), the rest in projects of 1 000-20 000
    faces, log-uniform (most are small)."""
    big = max(1, min(BIG_PROJECT_MAX, total - 20_000))
    sizes, left = [big], total - big
    lo, hi = SMALL_PROJECT
    while left > 0:
        n = min(left, int(np.exp(rng.uniform(np.log(lo), np.log(hi)))))
        if left - n < lo:
            n = left
        sizes.append(n)
        left -= n
    return sizes


def _percentiles(samples_s: list[float]) -> tuple[float, float]:
    arr = np.asarray(samples_s) * 1000.0
    return float(np.percentile(arr, 50)), float(np.percentile(arr, 95))


def _bucket(size: int) -> str:
    return "big" if size > SMALL_PROJECT[1] else ("≤ 5k" if size <= 5_000 else "5k-20k")


@dataclass(slots=True)
class Project:
    id: uuid.UUID
    embeddings: npt.NDArray[np.float32]
    centres: npt.NDArray[np.float32]
    face_ids: list[uuid.UUID]
    photo_ids: list[uuid.UUID]


def _build_projects(sizes: list[int], dim: int, rng: np.random.Generator) -> list[Project]:
    out = []
    for n in sizes:
        emb, _, centres = synthetic_faces(n, dim, max(1, n // FACES_PER_IDENTITY), NOISE, rng)
        photos = [uuid.uuid4() for _ in range((n + FACES_PER_PHOTO - 1) // FACES_PER_PHOTO)]
        out.append(Project(uuid.uuid4(), emb, centres, [uuid.uuid4() for _ in range(n)], photos))
    return out


def _load(conn: Any, projects: list[Project], model: FaceModel, rng: np.random.Generator) -> None:
    """Operator, projects, ready photos and faces by COPY (binary), photos of all projects
    interleaved in blocks of 16 photos, as concurrent events write them."""
    now = datetime.now(UTC)
    operator = conn.execute(
        "INSERT INTO operators (name, email, password_hash) VALUES ('Bench', %s, 'x') RETURNING id",
        (f"bench-{uuid.uuid4().hex[:8]}@example.com",),
    ).fetchone()[0]
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO projects (id, operator_id, name, status) VALUES (%s, %s, %s, 'live')",
            [(p.id, operator, f"Event {i}") for i, p in enumerate(projects)],
        )
    blocks = [(pi, start) for pi, p in enumerate(projects) for start in range(0, len(p.photo_ids), 16)]
    order = rng.permutation(len(blocks))
    column = f"embedding_{model.dimension}"
    with conn.cursor() as cur:
        with cur.copy(
            "COPY photos (id, project_id, status, original_key, content_type, upload_expires_at) "
            "FROM STDIN WITH (FORMAT BINARY)"
        ) as copy:
            copy.set_types(["uuid", "uuid", "text", "text", "text", "timestamptz"])
            for b in order:
                pi, start = blocks[b]
                p = projects[pi]
                for photo in p.photo_ids[start : start + 16]:
                    copy.write_row(
                        (photo, p.id, "ready", f"photos/{p.id}/{photo}/original.jpg", "image/jpeg", now)
                    )
        with cur.copy(
            f"COPY faces (id, photo_id, project_id, box, score, quality, model, {column}) "
            "FROM STDIN WITH (FORMAT BINARY)"
        ) as copy:
            copy.set_types(["uuid", "uuid", "uuid", "jsonb", "float8", "float8", "text", "vector"])
            box = "[0, 0, 50, 50]"
            for b in order:
                pi, start = blocks[b]
                p = projects[pi]
                for f in range(start * FACES_PER_PHOTO, min(len(p.face_ids), (start + 16) * FACES_PER_PHOTO)):
                    copy.write_row(
                        (
                            p.face_ids[f],
                            p.photo_ids[f // FACES_PER_PHOTO],
                            p.id,
                            box,
                            1.0,
                            1.0,
                            model.name,
                            p.embeddings[f],
                        )
                    )


@contextmanager
def _database() -> Iterator[str]:
    from wairo_dev.stack.components import start_postgres, stop_postgres

    with tempfile.TemporaryDirectory(prefix="wairo-bench-match-") as tmp:
        Path(tmp).chmod(0o755)  # the Postgres server runs as another OS user when we are root
        server, url = start_postgres(Path(tmp) / "postgres")
        try:
            yield url
        finally:
            stop_postgres(server)


def _queries(p: Project, n: int, rng: np.random.Generator) -> npt.NDArray[np.float32]:
    """Selfies of n identities of the project (its centres plus a selfie's noise)."""
    idx = rng.integers(0, len(p.centres), size=n)
    return l2_normalise(p.centres[idx] + rng.normal(scale=NOISE, size=(n, p.centres.shape[1])))


def _time_search(
    engine: Any,
    search: Callable[..., Any],
    cases: list[tuple[Project, npt.NDArray[np.float32]]],
    model: FaceModel,
) -> Timing:
    from sqlalchemy.orm import Session

    column = f"embedding_{model.dimension}"
    times: list[float] = []
    found = total = gave_up = 0
    for p, qs in cases:
        for q in qs:
            with Session(engine) as session, session.begin():
                t = time.perf_counter()
                rows = search(session, p.id, model.name, column, q, model.threshold)
                times.append(time.perf_counter() - t)
            d = 1.0 - p.embeddings @ q
            exact = {p.face_ids[i] for i in np.nonzero(d <= model.threshold)[0]}
            gave_up += rows is None
            got = {r[0] for r in rows or []}
            found += len(exact & got)
            total += len(exact)
    p50, p95 = _percentiles(times)
    return Timing(p50, p95, found / total if total else 1.0, len(times), gave_up)


def _seed_members(session: Any, p: Project, members: int, rng: np.random.Generator, model: FaceModel) -> None:
    """`members` consenting members of the project, each a selfie of one of its identities."""
    from api.models import Consent, ProjectMember, Selfie, User

    now = datetime.now(UTC)
    for i, vec in enumerate(_queries(p, members, rng)):
        user = User(name=f"Guest {i}", email=f"g{i}-{uuid.uuid4().hex[:8]}@example.com", password_hash="x")
        session.add(user)
        session.flush()
        session.add_all(
            [
                ProjectMember(
                    project_id=p.id,
                    user_id=user.id,
                    qr_token_jti=uuid.uuid4().hex,
                    qr_token_expires_at=now + timedelta(days=1),
                ),
                Consent(user_id=user.id, consent_version="v1"),
                Selfie(
                    user_id=user.id,
                    object_key=f"selfies/{user.id}/s.jpg",
                    content_type="image/jpeg",
                    status="approved",
                    model=model.name,
                    upload_expires_at=now,
                    **{f"embedding_{model.dimension}": vec.tolist()},
                ),
            ]
        )


def _time_rematch(
    engine: Any,
    p: Project,
    members: int,
    chunk_faces: int,
    rng: np.random.Generator,
    model: FaceModel,
    log: Any,
) -> dict[str, float]:
    """One re-match with the default chunk and one with a single request: wall time, time in
    the matcher (wire conversion and `match_response`, in-process), requests."""
    from sqlalchemy.orm import Session

    from api.processing.matching import rematch_project
    from vision.serve.convert import match_response
    from wairo_contracts.vision import MatchRequest, MatchResponse

    with Session(engine) as session, session.begin():
        _seed_members(session, p, members, rng, model)
    out: dict[str, float] = {}
    for name, chunk in (("chunked", chunk_faces), ("one request", len(p.face_ids))):
        spent: list[float] = []

        def match(request: MatchRequest, spent: list[float] = spent) -> MatchResponse:
            t = time.perf_counter()
            response = match_response(MatchRequest.model_validate_json(request.model_dump_json()))
            spent.append(time.perf_counter() - t)
            return response

        with Session(engine) as session, session.begin():
            t = time.perf_counter()
            summary = rematch_project(session, p.id, match, chunk_faces=chunk)
            out[f"{name} s"] = time.perf_counter() - t
        out[f"{name} match s"] = sum(spent)
        out[f"{name} requests"] = len(spent)
        log(f"  re-match ({name}, {chunk} faces per request): {summary}")
    return out


def run_match_bench(
    faces: int = 120_000,
    dim: int = 128,
    queries: int = 200,
    rematch_faces: int = 50_000,
    rematch_members: int = 200,
    rematch_chunk: int = 20_000,
    seed: int = 3,
    log: Any = print,
) -> MatchBenchResult:
    import psycopg
    from pgvector.psycopg import register_vector
    from sqlalchemy import create_engine

    from api.core.db import normalise_url
    from api.migrate import upgrade
    from api.processing import face_indexes, matching

    model = next(m for m in FACE_MODELS.values() if m.dimension == dim)
    rng = np.random.default_rng(seed)
    sizes = project_sizes(faces, rng)
    projects = _build_projects(sizes + ([rematch_faces] if rematch_faces else []), dim, rng)
    with _database() as url:
        upgrade(url)
        engine = create_engine(normalise_url(url))
        with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as conn:
            register_vector(conn)
            hnsw = conn.execute(
                "SELECT indexname, indexdef FROM pg_indexes "
                "WHERE tablename = 'faces' AND indexdef LIKE '%hnsw%'"
            ).fetchall()
            for name, _ in hnsw:  # an HNSW index is built faster after the load than row by row
                conn.execute(f"DROP INDEX {name}")
            t = time.perf_counter()
            _load(conn, projects, model, rng)
            load_s = time.perf_counter() - t
            log(
                f"  {sum(len(p.face_ids) for p in projects)} faces in {len(projects)} projects "
                f"loaded by COPY in {load_s:.1f}s"
            )
            conn.execute("SET maintenance_work_mem = '2GB'")
            t = time.perf_counter()
            for _, definition in hnsw:
                conn.execute(definition)
            index_s = time.perf_counter() - t
            log(f"  HNSW indexes (the migrations' definitions) built in {index_s:.1f}s")
            t = time.perf_counter()
            conn.execute("VACUUM ANALYZE")
            vacuum_s = time.perf_counter() - t
        result = MatchBenchResult(faces, len(sizes), dim, load_s, index_s, vacuum_s)

        big = projects[0]
        small = projects[1 : len(sizes)]
        groups: dict[str, list[tuple[Project, npt.NDArray[np.float32]]]] = {
            "big": [(big, _queries(big, queries, rng))]
        }
        for name in ("≤ 5k", "5k-20k"):
            members = [p for p in small if _bucket(len(p.face_ids)) == name][:20]
            if members:
                per = max(1, queries // len(members))
                groups[name] = [(p, _queries(p, per, rng)) for p in members]
        chosen = matching.HNSW_SETTINGS
        variants = {
            f"HNSW relaxed ef {chosen['hnsw.ef_search']}": chosen,
            "HNSW relaxed ef 400": {**chosen, "hnsw.ef_search": "400"},
            f"HNSW strict ef {chosen['hnsw.ef_search']}": {**chosen, "hnsw.iterative_scan": "strict_order"},
        }
        methods: dict[str, Callable[..., Any]] = {
            CHOSEN: matching.face_candidates,
            "exact (btree)": matching.exact_candidates,
        } | {name: partial(matching.hnsw_candidates, settings=v) for name, v in variants.items()}
        for cases in groups.values():  # warm the caches
            _time_search(engine, matching.face_candidates, [(p, qs[:5]) for p, qs in cases], model)
        for method, search in methods.items():
            for group, cases in groups.items():
                timing = _time_search(engine, search, cases, model)
                result.timings[(method, group)] = timing
                log(
                    f"  {method:<26} {group:<7} p50 {timing.p50_ms:7.2f} ms  p95 {timing.p95_ms:7.2f} ms  "
                    f"recall {timing.recall:.4f}  gave up {timing.gave_up}"
                )
        # The big project's own index (api/processing/face_indexes.py), as the beat task builds it;
        # the same searches again.
        t = time.perf_counter()
        changes = face_indexes.run_sync(engine)
        result.own_index_s = time.perf_counter() - t
        log(f"  per-project HNSW indexes {changes} built in {result.own_index_s:.1f}s")
        for method in (CHOSEN, f"HNSW relaxed ef {chosen['hnsw.ef_search']}"):
            timing = _time_search(engine, methods[method], groups["big"], model)
            result.timings[(method, "big, own index")] = timing
            log(
                f"  {method:<26} big, own index p50 {timing.p50_ms:7.2f} ms  p95 {timing.p95_ms:7.2f} ms  "
                f"recall {timing.recall:.4f}  gave up {timing.gave_up}"
            )
        np_times = []
        for q in groups["big"][0][1]:
            t = time.perf_counter()
            d = 1.0 - big.embeddings @ q
            np.nonzero(d <= model.threshold)
            np_times.append(time.perf_counter() - t)
        result.np_p95_ms = _percentiles(np_times)[1]
        if rematch_faces:
            result.rematch = _time_rematch(
                engine, projects[-1], rematch_members, rematch_chunk, rng, model, log
            )
        engine.dispose()
    return result


if __name__ == "__main__":
    print(run_match_bench())

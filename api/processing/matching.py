"""Matching members' selfies to a project's faces, as auto tags.

- `cluster_faces`: one member (up to three approved selfies, the nearest counts) against the
  project's photos. Candidates come from pgvector (cosine distance, filtered by project, model and
  ready photos); the rules (threshold per model, one tag
  per user per photo on the nearest face, a face not shared when another member is clearly nearer)
  are wairo_contracts.matching's, applied to the member and every other member with an approved selfie who
  competes for the same faces.
- `rematch_project`: every member against every face of the project in one batched job of the
  vision service (after a model or threshold change); its result replaces the project's auto tags.
  Confirmed tags are never touched.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from itertools import groupby
from typing import Any

import numpy as np
from sqlalchemy import and_, case, exists, func, literal, select, text, true, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session

from api.consent.service import lock_live_consents
from api.models import Consent, Face, Photo, PhotoTag, ProjectMember, Selfie
from api.settings import get_settings
from wairo_contracts.faces import face_model
from wairo_contracts.matching import Tag, assign_tags
from wairo_contracts.matrix import to_matrix
from wairo_contracts.vision import MatchRequest, MatchResponse

_LIVE_CONSENT = exists().where(
    Consent.user_id == Selfie.user_id,
    Consent.consent_type == "biometric_processing",
    Consent.revoked_at.is_(None),
)


def _embedding(selfie: Selfie) -> tuple[str, Any]:
    if selfie.embedding_128 is not None:
        return "embedding_128", selfie.embedding_128
    return "embedding_512", selfie.embedding_512


def approved_selfies(session: Session, user_id: uuid.UUID) -> tuple[str, list[Selfie]]:
    """The model of the user's latest approved selfie and the approved selfies of that model (a
    model change re-embeds them all), newest first: matching uses the nearest of them."""
    selfies = session.scalars(
        select(Selfie)
        .where(Selfie.user_id == user_id, Selfie.status == "approved", Selfie.model.is_not(None))
        .order_by(Selfie.created_at.desc(), Selfie.id.desc())
    ).all()
    model = selfies[0].model or "" if selfies else ""
    return model, [s for s in selfies if s.model == model]


def _lock_matching(session: Session, project_id: uuid.UUID) -> None:
    """Serialise matching jobs of one project (until the transaction ends): a member's match and a
    whole-project re-match must not interleave their reads and writes of the same tags."""
    session.execute(select(func.pg_advisory_xact_lock(func.hashtextextended(str(project_id), 0))))


def _upsert_auto_tag(session: Session, user_id: Any, photo_id: Any, face_id: Any, distance: float) -> None:
    stmt = insert(PhotoTag).values(
        photo_id=photo_id, user_id=user_id, face_id=face_id, source="auto", distance=distance
    )
    session.execute(
        stmt.on_conflict_do_update(
            index_elements=["user_id", "photo_id"],
            index_where=text("deleted_at IS NULL"),
            set_={"face_id": stmt.excluded.face_id, "distance": stmt.excluded.distance},
            where=PhotoTag.source == "auto",
        )
    )


# The face search (measured with `python -m bench.vision --match-faces 1000000`, README's
# benchmarks): a project with at most this many faces of the model is searched exactly, every one
# of its faces through ix_faces_project_id_model; a larger one through the HNSW index.
EXACT_SEARCH_MAX_FACES = 20_000
# The HNSW search's first LIMIT: above the faces most people have in one project; each time it is
# reached the search runs again with HNSW_LIMIT_GROWTH times the limit.
HNSW_FIRST_LIMIT = 100
HNSW_LIMIT_GROWTH = 4
# The search's settings, for its transaction only (pgvector 0.8 iterative index scans): relaxed
# order (the distance is filtered after the LIMIT, so the order within it does not matter); the
# candidate list of each step; the index tuples one scan may visit before it gives up.
HNSW_SETTINGS = {
    "hnsw.iterative_scan": "relaxed_order",
    "hnsw.ef_search": "100",
    "hnsw.max_scan_tuples": "50000",
}

Candidate = tuple[uuid.UUID, uuid.UUID, Any]  # (face, photo, embedding)
FaceRow = Row[uuid.UUID, uuid.UUID, Any]


def _project_faces(project_id: uuid.UUID, model: str) -> list[Any]:
    return [Face.project_id == project_id, Face.model == model]


def _project_constants(project_id: uuid.UUID, model: str) -> list[Any]:
    """`_project_faces` with both values written into the SQL: the planner then proves a
    project's own partial index (api/processing/face_indexes.py) applies, whatever the plan cache."""
    return [
        Face.project_id == literal(project_id, Face.project_id.type, literal_execute=True),
        Face.model == literal(model, Face.model.type, literal_execute=True),
    ]


def exact_candidates(
    session: Session, project_id: uuid.UUID, model: str, column: str, vector: Any, threshold: float
) -> list[Candidate]:
    """Every face of the project's ready photos within ``threshold``: the project's faces read
    through the btree on (project_id, model), each distance computed. Complete by construction."""
    face_vec = getattr(Face, column)
    rows = session.execute(
        select(Face.id, Face.photo_id, face_vec)
        .join(Photo, Photo.id == Face.photo_id)
        .where(
            *_project_faces(project_id, model),
            face_vec.is_not(None),
            Photo.status == "ready",
            face_vec.cosine_distance(vector) <= threshold,
        )
    )
    return [(r[0], r[1], r[2]) for r in rows]


def hnsw_candidates(
    session: Session,
    project_id: uuid.UUID,
    model: str,
    column: str,
    vector: Any,
    threshold: float,
    settings: Mapping[str, str] = HNSW_SETTINGS,
) -> list[Candidate] | None:
    """The same faces as `exact_candidates`, through the HNSW index: the project's nearest
    faces in a materialised CTE (`ORDER BY distance LIMIT n`, an iterative index scan filtered by
    project and model), the threshold applied outside it. Completeness: when all n are within the
    threshold the limit may have cut the person's faces, so the search runs again with a limit
    HNSW_LIMIT_GROWTH times larger, until one of the n is beyond the threshold (everything nearer
    than that face was then returned, up to the index's approximation, which the benchmark
    measures: recall against the exact search). None when the scan stopped before n faces
    (hnsw.max_scan_tuples visited: the project is too rare among the index's faces), for the
    caller to search exactly."""
    for name, value in settings.items():
        session.execute(select(func.set_config(name, value, True)))  # SET LOCAL
    face_vec = getattr(Face, column)
    distance = face_vec.cosine_distance(vector).label("distance")
    limit = HNSW_FIRST_LIMIT
    while True:
        nearest = (
            select(Face.id, Face.photo_id, face_vec.label("embedding"), distance)
            .where(*_project_constants(project_id, model), face_vec.is_not(None))
            .order_by(distance)
            .limit(limit)
            .cte("nearest")
            .prefix_with("MATERIALIZED")
        )
        within = nearest.c.distance <= threshold
        rows = session.execute(
            select(
                nearest.c.id,
                nearest.c.photo_id,
                case((and_(within, Photo.status == "ready"), nearest.c.embedding)),
                within,
            ).join(Photo, Photo.id == nearest.c.photo_id)
        ).all()
        if len(rows) < limit:
            return None
        if sum(1 for r in rows if r[3]) < limit:
            return [(r[0], r[1], r[2]) for r in rows if r[2] is not None]
        limit *= HNSW_LIMIT_GROWTH


# The planner's statistics of `faces` (ANALYZE, run by autovacuum after a load): the projects among
# the most common values of project_id, with their estimated faces. A project with fewer faces than
# the commonest projects have is not listed.
PROJECT_FACE_ESTIMATES = """
    SELECT f.project_id, f.freq * c.reltuples AS faces
    FROM pg_stats s
    CROSS JOIN LATERAL unnest(s.most_common_vals::text::uuid[], s.most_common_freqs) AS f(project_id, freq)
    JOIN pg_class c ON c.oid = 'faces'::regclass
    WHERE s.schemaname = current_schema() AND s.tablename = 'faces' AND s.attname = 'project_id'
"""
_ESTIMATED_FACES = text(f"SELECT faces FROM ({PROJECT_FACE_ESTIMATES}) e WHERE project_id = :project_id")


def estimated_faces(session: Session, project_id: uuid.UUID) -> float:
    """The project's faces (all models) as the planner estimates them, 0 when the statistics do
    not list it among the commonest projects: a catalogue read, where counting 20 000 index
    entries costs as much as the search itself."""
    return float(session.scalar(_ESTIMATED_FACES, {"project_id": project_id}) or 0)


def face_candidates(
    session: Session, project_id: uuid.UUID, model: str, column: str, vector: Any, threshold: float
) -> list[Candidate]:
    """The faces of the project's ready photos within ``threshold`` of ``vector`` (the model's
    faces, in ``column``): exact up to EXACT_SEARCH_MAX_FACES faces in the project, the HNSW index
    above (and exact again when the index scan gave up). The size is the planner's estimate
    (`estimated_faces`): a project too new for the statistics is searched exactly, as a small one."""
    if estimated_faces(session, project_id) > EXACT_SEARCH_MAX_FACES:
        found = hnsw_candidates(session, project_id, model, column, vector, threshold)
        if found is not None:
            return found
    return exact_candidates(session, project_id, model, column, vector, threshold)


def cluster_faces(session: Session, user_id: uuid.UUID, project_id: uuid.UUID) -> int:
    """Match the user's approved selfies (the nearest of them per face) against the project's faces
    and make the user's auto tags there equal to the result; returns how many tags were written."""
    _lock_matching(session, project_id)
    member = session.scalar(
        select(exists().where(ProjectMember.user_id == user_id, ProjectMember.project_id == project_id))
    )
    if not member or user_id not in lock_live_consents(session, [user_id]):
        return 0
    model_name, selfies = approved_selfies(session, user_id)
    if not selfies:
        return _keep_only_tags(session, user_id, project_id, [])
    column = _embedding(selfies[0])[0]
    vectors = [_embedding(s)[1] for s in selfies]
    model = face_model(model_name)
    threshold, margin = model.threshold, model.margin
    candidates: dict[Any, Candidate] = {}
    for vector in vectors:  # faces near any of the selfies
        for row in face_candidates(session, project_id, model_name, column, vector, threshold):
            candidates[row[0]] = row
    if not candidates:
        return _keep_only_tags(session, user_id, project_id, [])
    rows = list(candidates.values())
    # Competing members: their approved selfies of the same model, consent live.
    others = session.execute(
        select(Selfie.user_id, getattr(Selfie, column))
        .join(
            ProjectMember,
            and_(ProjectMember.user_id == Selfie.user_id, ProjectMember.project_id == project_id),
        )
        .where(
            Selfie.status == "approved",
            Selfie.model == model_name,
            Selfie.user_id != user_id,
            _LIVE_CONSENT,
        )
    ).all()
    user_ids = [*(user_id for _ in vectors), *(o[0] for o in others)]
    user_vectors = np.asarray([*vectors, *(o[1] for o in others)], dtype=np.float32)
    tags = [
        t
        for t in assign_tags(
            user_ids,
            user_vectors,
            [r[0] for r in rows],
            [r[1] for r in rows],
            np.asarray([r[2] for r in rows], dtype=np.float32),
            threshold=threshold,
            margin=margin,
        )
        if t.user_id == user_id
    ]
    return _keep_only_tags(session, user_id, project_id, tags)


def _keep_only_tags(session: Session, user_id: uuid.UUID, project_id: uuid.UUID, tags: list[Tag]) -> int:
    """Make the user's auto tags in the project these (a deleted selfie's matches go); returns how
    many were written. Confirmed tags are not touched."""
    kept = {t.photo_id for t in tags}
    in_project = select(Photo.id).where(Photo.project_id == project_id)
    session.execute(
        update(PhotoTag)
        .where(
            PhotoTag.user_id == user_id,
            PhotoTag.source == "auto",
            PhotoTag.deleted_at.is_(None),
            PhotoTag.photo_id.in_(in_project),
            PhotoTag.photo_id.not_in(kept) if kept else true(),
        )
        .values(deleted_at=func.now())
    )
    for tag in tags:
        _upsert_auto_tag(session, user_id, tag.photo_id, tag.face_id, tag.distance)
    return len(tags)


@dataclass(frozen=True, slots=True)
class RematchSummary:
    members: int  # members with an approved selfie and live consent
    faces: int  # faces of ready photos compared
    tags: int  # auto tags after the re-match
    added: int
    moved: int  # same user and photo, another face
    removed: int

    def as_dict(self) -> dict[str, int]:
        return {k: getattr(self, k) for k in self.__slots__}


Matcher = Callable[[MatchRequest], MatchResponse]


def _member_selfies(session: Session, project_id: uuid.UUID) -> dict[str, list[Any]]:
    """Each consenting member's approved selfies, grouped by model: rows of (user, vector), a user
    once per selfie (the vision service's rules use each user's nearest)."""
    rows = session.execute(
        select(Selfie.user_id, Selfie.model, Selfie.embedding_128, Selfie.embedding_512)
        .join(
            ProjectMember,
            and_(ProjectMember.user_id == Selfie.user_id, ProjectMember.project_id == project_id),
        )
        .where(Selfie.status == "approved", Selfie.model.is_not(None), _LIVE_CONSENT)
        .order_by(Selfie.user_id, Selfie.created_at.desc())
    ).all()
    by_model: dict[str, list[Any]] = {}
    for user_id, model, e128, e512 in rows:
        by_model.setdefault(model, []).append((user_id, e128 if e128 is not None else e512))
    return by_model


def _whole_photos(faces: Iterable[FaceRow], chunk_faces: int) -> Iterator[list[FaceRow]]:
    """Faces (ordered by photo) in chunks of whole photos, each of at most ``chunk_faces`` faces
    unless one photo alone has more (it is a chunk of its own)."""
    chunk: list[FaceRow] = []
    for _, photo_faces in groupby(faces, key=lambda f: f.photo_id):
        rows = list(photo_faces)
        if chunk and len(chunk) + len(rows) > chunk_faces:
            yield chunk
            chunk = []
        chunk.extend(rows)
    if chunk:
        yield chunk


def _model_tags(
    session: Session, project_id: uuid.UUID, model: str, members: list[Any], match: Matcher, chunk_faces: int
) -> tuple[int, dict[tuple[uuid.UUID, uuid.UUID], tuple[uuid.UUID, float]]]:
    """(faces compared, {(user, photo): (face, distance)}) for one model's members and faces.

    The faces are streamed (a server-side cursor) and sent in chunks of whole photos, one request
    to the vision service per chunk, so memory stays bounded by a chunk. The merged tags are those
    of one request with every face (distances equal up to float32 rounding of the matrix product):
    each of wairo_contracts.matching's rules looks at one photo (one tag per user per photo) or one
    face (the margin between members on a face), and a chunk holds all of a photo's faces against
    every member; the candidate pairs of a photo are ranked the same within its chunk (by
    distance, then member, then face order, which the chunk keeps).
    No (user, photo) key comes from two chunks."""
    dim = len(members[0][1])
    face_vec = Face.embedding_128 if dim == 128 else Face.embedding_512
    users = [str(m[0]) for m in members]
    user_embeddings = to_matrix([m[1] for m in members], dim)
    faces = session.execute(
        select(Face.id, Face.photo_id, face_vec)
        .join(Photo, Photo.id == Face.photo_id)
        .where(
            Face.project_id == project_id, Face.model == model, Photo.status == "ready", face_vec.is_not(None)
        )
        .order_by(Face.photo_id, Face.id),
        execution_options={"yield_per": min(chunk_faces, 5000)},
    )
    compared = 0
    tags: dict[tuple[uuid.UUID, uuid.UUID], tuple[uuid.UUID, float]] = {}
    for chunk in _whole_photos(faces, chunk_faces):
        response = match(
            MatchRequest(
                model=model,
                users=users,
                user_embeddings=user_embeddings,
                faces=[str(f[0]) for f in chunk],
                photos=[str(f[1]) for f in chunk],
                face_embeddings=to_matrix([f[2] for f in chunk], dim),
            )
        )
        compared += len(chunk)
        tags.update(
            ((uuid.UUID(t.user), uuid.UUID(t.photo)), (uuid.UUID(t.face), t.distance)) for t in response.tags
        )
    return compared, tags


def rematch_project(
    session: Session, project_id: uuid.UUID, match: Matcher, chunk_faces: int | None = None
) -> RematchSummary:
    """Recompute every auto tag of the project and make the stored ones equal to the result:
    new ones inserted, moved ones updated, vanished ones soft-deleted. Confirmed tags stay (and a
    user already confirmed on a photo gets no auto tag there). A user whose consent was revoked
    during the computation gets no tag (see `lock_live_consents`). Faces go to the vision service
    in chunks of about ``chunk_faces`` (default: the `rematch_chunk_faces` setting) of whole photos."""
    _lock_matching(session, project_id)
    chunk = chunk_faces or get_settings().rematch_chunk_faces
    members, faces = 0, 0
    wanted: dict[tuple[uuid.UUID, uuid.UUID], tuple[uuid.UUID, float]] = {}
    for model, rows in _member_selfies(session, project_id).items():
        members += len({row[0] for row in rows})
        compared, tags = _model_tags(session, project_id, model, rows, match, chunk)
        faces += compared
        wanted.update(tags)
    # The write phase: consents re-checked and locked now (the vision call above may be long, and
    # a revocation must not wait for it), before any tag is read or written.
    consenting = lock_live_consents(session, {user_id for user_id, _ in wanted})
    wanted = {key: tag for key, tag in wanted.items() if key[0] in consenting}
    existing: dict[tuple[uuid.UUID, uuid.UUID], tuple[uuid.UUID, uuid.UUID | None]] = {}
    for row in session.execute(
        select(PhotoTag.id, PhotoTag.user_id, PhotoTag.photo_id, PhotoTag.face_id, PhotoTag.source)
        .join(Photo, Photo.id == PhotoTag.photo_id)
        .where(Photo.project_id == project_id, PhotoTag.deleted_at.is_(None))
    ):
        if row.source == "auto":
            existing[(row.user_id, row.photo_id)] = (row.id, row.face_id)
        else:  # confirmed by a person: not ours to replace
            wanted.pop((row.user_id, row.photo_id), None)
    gone = [tag_id for key, (tag_id, _) in existing.items() if key not in wanted]
    if gone:
        session.execute(update(PhotoTag).where(PhotoTag.id.in_(gone)).values(deleted_at=func.now()))
    moved = 0
    for (user_id, photo_id), (face_id, distance) in wanted.items():
        if (user_id, photo_id) in existing and existing[(user_id, photo_id)][1] != face_id:
            moved += 1
        _upsert_auto_tag(session, user_id, photo_id, face_id, distance)
    return RematchSummary(
        members=members,
        faces=faces,
        tags=len(wanted),
        added=sum(1 for key in wanted if key not in existing),
        moved=moved,
        removed=len(gone),
    )

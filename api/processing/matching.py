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
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import and_, exists, func, select, text, true, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from api.consent.service import lock_live_consents
from api.models import Consent, Face, Photo, PhotoTag, ProjectMember, Selfie
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
    face_vec = getattr(Face, column)
    candidates: dict[Any, Any] = {}
    for vector in vectors:  # faces near any of the selfies
        for row in session.execute(
            select(Face.id, Face.photo_id, face_vec)
            .join(Photo, Photo.id == Face.photo_id)
            .where(
                Face.project_id == project_id,
                Face.model == model_name,
                Photo.status == "ready",
                face_vec.is_not(None),
                face_vec.cosine_distance(vector) <= threshold,
            )
        ):
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


def _model_tags(
    session: Session, project_id: uuid.UUID, model: str, members: list[Any], match: Matcher
) -> tuple[int, dict[tuple[uuid.UUID, uuid.UUID], tuple[uuid.UUID, float]]]:
    """(faces compared, {(user, photo): (face, distance)}) for one model's members and faces."""
    dim = len(members[0][1])
    face_vec = Face.embedding_128 if dim == 128 else Face.embedding_512
    faces = session.execute(
        select(Face.id, Face.photo_id, face_vec)
        .join(Photo, Photo.id == Face.photo_id)
        .where(
            Face.project_id == project_id, Face.model == model, Photo.status == "ready", face_vec.is_not(None)
        )
        .order_by(Face.photo_id, Face.id)
    ).all()
    if not faces:
        return 0, {}
    response = match(
        MatchRequest(
            model=model,
            users=[str(m[0]) for m in members],
            user_embeddings=to_matrix([m[1] for m in members], dim),
            faces=[str(f[0]) for f in faces],
            photos=[str(f[1]) for f in faces],
            face_embeddings=to_matrix([f[2] for f in faces], dim),
        )
    )
    return len(faces), {
        (uuid.UUID(t.user), uuid.UUID(t.photo)): (uuid.UUID(t.face), t.distance) for t in response.tags
    }


def rematch_project(session: Session, project_id: uuid.UUID, match: Matcher) -> RematchSummary:
    """Recompute every auto tag of the project and make the stored ones equal to the result:
    new ones inserted, moved ones updated, vanished ones soft-deleted. Confirmed tags stay (and a
    user already confirmed on a photo gets no auto tag there). A user whose consent was revoked
    during the computation gets no tag (see `lock_live_consents`)."""
    _lock_matching(session, project_id)
    members, faces = 0, 0
    wanted: dict[tuple[uuid.UUID, uuid.UUID], tuple[uuid.UUID, float]] = {}
    for model, rows in _member_selfies(session, project_id).items():
        members += len({row[0] for row in rows})
        compared, tags = _model_tags(session, project_id, model, rows, match)
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

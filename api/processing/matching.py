"""cluster_faces: tag a member on the project's photos where their selfie's face appears.

Candidates come from pgvector (cosine distance, filtered by project, model and ready photos); the
rules (threshold per model, one tag per user per photo on the nearest face, a face not shared when
another member is clearly nearer) are vision.matching's, applied to the member and every other
member with an approved selfie who competes for the same faces."""

from __future__ import annotations

import uuid
from typing import Any

import numpy as np
from sqlalchemy import and_, exists, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from api.consent.service import has_active_consent
from api.models import Consent, Face, Photo, PhotoTag, ProjectMember, Selfie
from vision.matching import assign_tags, margin_for, threshold_for


def _embedding(selfie: Selfie) -> tuple[str, Any]:
    if selfie.embedding_128 is not None:
        return "embedding_128", selfie.embedding_128
    return "embedding_512", selfie.embedding_512


def latest_approved_selfie(session: Session, user_id: uuid.UUID) -> Selfie | None:
    return session.scalar(
        select(Selfie)
        .where(Selfie.user_id == user_id, Selfie.status == "approved")
        .order_by(Selfie.created_at.desc())
        .limit(1)
    )


def cluster_faces(session: Session, user_id: uuid.UUID, project_id: uuid.UUID) -> int:
    """Upsert the user's auto tags in the project; returns how many tags were written."""
    member = session.scalar(
        select(exists().where(ProjectMember.user_id == user_id, ProjectMember.project_id == project_id))
    )
    if not member or not has_active_consent(session, user_id):
        return 0
    selfie = latest_approved_selfie(session, user_id)
    if selfie is None or selfie.model is None:
        return 0
    column, vector = _embedding(selfie)
    threshold, margin = threshold_for(selfie.model), margin_for(selfie.model)
    face_vec = getattr(Face, column)
    distance = face_vec.cosine_distance(vector)
    candidates = session.execute(
        select(Face.id, Face.photo_id, face_vec)
        .join(Photo, Photo.id == Face.photo_id)
        .where(
            Face.project_id == project_id,
            Face.model == selfie.model,
            Photo.status == "ready",
            face_vec.is_not(None),
            distance <= threshold,
        )
    ).all()
    if not candidates:
        return 0
    face_ids = [c[0] for c in candidates]
    # Competing members: their latest approved selfie of the same model, consent live.
    others = session.execute(
        select(Selfie.user_id, getattr(Selfie, column))
        .join(
            ProjectMember,
            and_(ProjectMember.user_id == Selfie.user_id, ProjectMember.project_id == project_id),
        )
        .where(
            Selfie.status == "approved",
            Selfie.model == selfie.model,
            Selfie.user_id != user_id,
            exists().where(
                Consent.user_id == Selfie.user_id,
                Consent.consent_type == "biometric_processing",
                Consent.revoked_at.is_(None),
            ),
        )
        .distinct(Selfie.user_id)
        .order_by(Selfie.user_id, Selfie.created_at.desc())
    ).all()
    user_ids = [user_id, *(o[0] for o in others)]
    user_vectors = np.asarray([vector, *(o[1] for o in others)], dtype=np.float32)
    tags = [
        t
        for t in assign_tags(
            user_ids,
            user_vectors,
            face_ids,
            [c[1] for c in candidates],
            np.asarray([c[2] for c in candidates], dtype=np.float32),
            threshold=threshold,
            margin=margin,
        )
        if t.user_id == user_id
    ]
    for tag in tags:
        stmt = insert(PhotoTag).values(
            photo_id=tag.photo_id, user_id=user_id, face_id=tag.face_id, source="auto", distance=tag.distance
        )
        session.execute(
            stmt.on_conflict_do_update(
                index_elements=["user_id", "photo_id"],
                index_where=text("deleted_at IS NULL"),
                set_={"face_id": stmt.excluded.face_id, "distance": stmt.excluded.distance},
                where=PhotoTag.source == "auto",
            )
        )
    return len(tags)

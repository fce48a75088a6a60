"""Consent rules.

Giving consent while a live one exists is a 409 (`consent_exists`): the caller revokes first to
give a different version. A new consent after a revocation is a new row, so the history is kept.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from datetime import UTC, datetime

from sqlalchemy import ColumnElement, delete, exists, select, update
from sqlalchemy.orm import Session

from api.core.errors import Conflict, NotFound
from api.jobs.outbox import enqueue_job
from api.models import Consent, PhotoTag, Selfie

BIOMETRIC = "biometric_processing"


def _live(user: ColumnElement[bool]) -> list[ColumnElement[bool]]:
    return [user, Consent.consent_type == BIOMETRIC, Consent.revoked_at.is_(None)]


def has_active_consent(session: Session, user_id: uuid.UUID) -> bool:
    """True while the user has a live biometric consent (matching uses `lock_live_consents`)."""
    return bool(session.scalar(select(exists().where(*_live(Consent.user_id == user_id)))))


def lock_live_consents(session: Session, user_ids: Collection[uuid.UUID]) -> set[uuid.UUID]:
    """The users among `user_ids` whose biometric consent is live, each such consent row locked
    FOR SHARE until the transaction ends. Matching calls this before it writes auto tags, in the
    transaction that writes them; it is what makes a revocation and a match serialise, under READ
    COMMITTED, whichever comes first:

    - matching locked first: the revocation's `SELECT ... FOR UPDATE` of the consent (its first
      statement) waits for the match to commit; its later statements see the new tags and
      soft-delete them;
    - revocation locked first: this statement waits for the revocation to commit, then Postgres
      re-checks the WHERE on the row's newest version (`revoked_at` set) and leaves the user out,
      so no tag is written for them (their selfie is gone too).

    A plain check (no lock) would read the live row of an uncommitted revocation, and the tags
    written after it would outlive the revocation. Shared locks let matches run side by side."""
    if not user_ids:
        return set()
    rows = session.scalars(
        select(Consent.user_id).where(*_live(Consent.user_id.in_(list(user_ids)))).with_for_update(read=True)
    )
    return set(rows)


def give_biometric_consent(session: Session, user_id: uuid.UUID, version: str) -> Consent:
    if has_active_consent(session, user_id):
        raise Conflict("Biometric consent is already given.", code="consent_exists")
    consent = Consent(user_id=user_id, consent_type=BIOMETRIC, consent_version=version)
    session.add(consent)
    session.flush()  # a concurrent duplicate hits the partial unique index: 409
    session.refresh(consent)
    return consent


def list_consents(session: Session, user_id: uuid.UUID) -> Sequence[Consent]:
    """The live consent first, then revoked ones, most recent first."""
    return session.scalars(
        select(Consent)
        .where(Consent.user_id == user_id)
        .order_by(Consent.revoked_at.desc().nulls_first(), Consent.given_at.desc())
    ).all()


def revoke_biometric_consent(session: Session, user_id: uuid.UUID) -> None:
    """Delete the selfies (embeddings included), soft-delete auto tags, mark the consent revoked;
    the selfie objects are deleted by a job published after the commit. The consent row is locked
    first: a match in progress for the user finishes before (see `lock_live_consents`)."""
    consent = session.scalar(select(Consent).where(*_live(Consent.user_id == user_id)).with_for_update())
    if consent is None:
        raise NotFound("There is no active biometric consent.", code="no_active_consent")
    now = datetime.now(UTC)
    keys = list(session.scalars(delete(Selfie).where(Selfie.user_id == user_id).returning(Selfie.object_key)))
    session.execute(
        update(PhotoTag)
        .where(PhotoTag.user_id == user_id, PhotoTag.source == "auto", PhotoTag.deleted_at.is_(None))
        .values(deleted_at=now)
    )
    consent.revoked_at = now
    if keys:
        enqueue_job(session, "delete_objects", {"keys": keys})

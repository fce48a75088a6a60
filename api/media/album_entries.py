"""Appending photos to an album (the `album_photos` rows), shared by the albums API and the upload
URLs that take an `albumId`. The caller holds the album's project row locked (api/albums/service.py)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from api.models import Album, AlbumPhoto, Project


def lock_album(session: Session, album_id: uuid.UUID, project_id: uuid.UUID) -> Album | None:
    """The album when it is one of the project's, locked with its project row (FOR NO KEY UPDATE:
    photo inserts, which only key-share the project row, do not wait)."""
    return session.scalar(
        select(Album)
        .join(Project, Project.id == Album.project_id)
        .where(Album.id == album_id, Album.project_id == project_id)
        .with_for_update(of=(Project, Album), key_share=True)
        .execution_options(populate_existing=True)
    )


def append_photos(session: Session, album_id: uuid.UUID, photo_ids: Sequence[uuid.UUID]) -> None:
    """Add photos after the album's last one, in the order given (none of them may be in it yet)."""
    if not photo_ids:
        return
    after = session.scalar(select(func.max(AlbumPhoto.position)).where(AlbumPhoto.album_id == album_id))
    start = 0 if after is None else after + 1
    session.execute(
        insert(AlbumPhoto),
        [{"album_id": album_id, "photo_id": p, "position": start + i} for i, p in enumerate(photo_ids)],
    )


def albums_of(session: Session, photo_ids: Sequence[uuid.UUID]) -> list[uuid.UUID]:
    """The albums any of these photos are in (each once)."""
    return list(
        dict.fromkeys(
            session.scalars(
                select(AlbumPhoto.album_id)
                .where(AlbumPhoto.photo_id.in_(photo_ids))
                .order_by(AlbumPhoto.album_id)
            )
        )
    )

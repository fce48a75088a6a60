"""Albums: ordered sets of a project's photos (ceremony, reception, portraits); a photo may be in
several. Positions order the albums of a project (0, 1, ... without gaps) and the photos of an
album (in the order they were added)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, func
from sqlalchemy.orm import Mapped, mapped_column

from api.models.base import Base, created_at, updated_at, uuid_pk

ALBUM_NAME_MAX = 100


class Album(Base):
    __tablename__ = "albums"

    id: Mapped[uuid.UUID] = uuid_pk()
    project_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(ALBUM_NAME_MAX))
    position: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = created_at()
    updated_at: Mapped[datetime] = updated_at()


# One album of a name per project, whatever its case ("Ceremony" and "ceremony" are one album).
Index("uq_albums_project_id_lower_name", Album.project_id, func.lower(Album.name), unique=True)


class AlbumPhoto(Base):
    __tablename__ = "album_photos"
    __table_args__ = (Index("ix_album_photos_photo_id", "photo_id"),)

    album_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("albums.id", ondelete="CASCADE"), primary_key=True)
    photo_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("photos.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    added_at: Mapped[datetime] = created_at()

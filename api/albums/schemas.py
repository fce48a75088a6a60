from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import Field, StringConstraints

from api.core.schemas import CamelModel, PatchModel, StrictCamelModel
from api.models.albums import ALBUM_NAME_MAX

# Photos one call may add to an album.
MAX_PHOTOS_PER_ADD = 500

AlbumName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=ALBUM_NAME_MAX)]


class AlbumCreate(StrictCamelModel):
    name: AlbumName


class AlbumUpdate(PatchModel):
    """A rename, a move to `position` (0 is the first album; the others shift), or both."""

    not_null = frozenset({"name", "position"})

    name: AlbumName | None = None
    position: Annotated[int, Field(ge=0)] | None = None


class AlbumPhotosAdd(StrictCamelModel):
    photo_ids: Annotated[list[uuid.UUID], Field(min_length=1, max_length=MAX_PHOTOS_PER_ADD)]


class AlbumOut(CamelModel):
    """An album; `photoCount` counts the photos the caller sees in it (staff: every listed status,
    members: the ready ones)."""

    id: uuid.UUID
    project_id: uuid.UUID
    name: str
    position: int
    photo_count: int
    created_at: datetime

from __future__ import annotations

from api.core.schemas import CamelModel
from api.gallery.schemas import PhotoSummary
from api.media.schemas import PhotoListItem


class StaffSearchOut(CamelModel):
    photos: list[PhotoListItem]
    next_cursor: str | None


class MemberSearchOut(CamelModel):
    photos: list[PhotoSummary]
    next_cursor: str | None

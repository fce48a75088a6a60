from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from api.core.schemas import CamelModel, StrictCamelModel


class PhotoSummary(CamelModel):
    id: uuid.UUID
    project_id: uuid.UUID
    taken_at: datetime | None
    width: int | None
    height: int | None
    tagged: bool
    has_purchase: bool
    is_favourite: bool
    thumbnail_url: str | None


class FavouriteOut(CamelModel):
    is_favourite: bool


class ReportTag(StrictCamelModel):
    report_type: Literal["incorrect_tag", "missing_tag"]


class DownloadOut(CamelModel):
    download_url: str
    expires_in_seconds: int

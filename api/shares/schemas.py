from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import Field

from api.core.schemas import CamelModel, StrictCamelModel

DEFAULT_SHARE_TTL_S = 7 * 24 * 3600
MAX_SHARE_TTL_S = 30 * 24 * 3600


class CreateShare(StrictCamelModel):
    expires_in_seconds: int = Field(default=DEFAULT_SHARE_TTL_S, ge=60, le=MAX_SHARE_TTL_S)


class ShareCreatedOut(CamelModel):
    share_id: uuid.UUID
    token: str
    url: str
    expires_at: datetime


class SharedPhotoOut(CamelModel):
    photo_id: uuid.UUID
    url: str
    expires_in_seconds: int

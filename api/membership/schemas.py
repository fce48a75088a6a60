from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from api.core.schemas import CamelModel, StrictCamelModel


class ProjectPublicOut(CamelModel):
    id: uuid.UUID
    name: str


class TermsOut(CamelModel):
    version: str
    content: str
    effective_at: datetime


class MyTermsOut(TermsOut):
    accepted_at: datetime | None
    project_name: str | None


class QrJoin(StrictCamelModel):
    project_id: uuid.UUID
    # Joining requires accepting the terms: anything but `true` is a 422.
    terms_accepted: Literal[True]


class QrJoinOut(CamelModel):
    project_member_id: uuid.UUID
    qr_token: str
    expires_at: datetime

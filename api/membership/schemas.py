from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import Field

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
    # The version the caller read, as `GET /v1/projects/{id}/terms` gives it: 409 `terms_changed`
    # when it is no longer the current one (a project without terms has none to match).
    terms_version: str | None = Field(default=None, pattern=r"^[1-9][0-9]{0,8}$")


class QrJoinOut(CamelModel):
    project_member_id: uuid.UUID
    qr_token: str
    expires_at: datetime

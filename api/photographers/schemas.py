from __future__ import annotations

import uuid
from datetime import datetime

from api.core.schemas import CamelModel, Email, Name, PatchModel


class PhotographerUpdate(PatchModel):
    not_null = frozenset({"name", "email"})

    name: Name | None = None
    email: Email | None = None


class ProjectRef(CamelModel):
    id: uuid.UUID
    name: str


class PhotographerOut(CamelModel):
    """`projects`: the projects the photographer is assigned to."""

    id: uuid.UUID
    name: str
    email: str
    created_at: datetime
    projects: list[ProjectRef]

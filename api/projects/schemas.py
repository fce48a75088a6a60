from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal, Self

from pydantic import AnyHttpUrl, Field, StringConstraints, model_validator

from api.core.schemas import (
    CamelModel,
    Email,
    Instant,
    Name,
    PatchModel,
    StrictCamelModel,
    Timezone,
    check_window,
)

Url = Annotated[AnyHttpUrl, Field(max_length=2048)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50_000)]
Location = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
ProjectType = Literal["private", "public"]
ProjectStatus = Literal["draft", "live", "closed", "archived"]


class ProjectCreate(StrictCamelModel):
    name: Name
    type: ProjectType = "private"
    status: Literal["draft", "live"] = "draft"
    location_name: Location | None = None
    start_at: Instant | None = None
    end_at: Instant | None = None
    project_link: Url | None = None
    terms_and_conditions: Text | None = None
    timezone: Timezone = "UTC"

    @model_validator(mode="after")
    def _dates(self) -> Self:
        check_window(self.start_at, self.end_at, strict=False, what="endAt")
        return self


class ProjectUpdate(PatchModel):
    not_null = frozenset({"name", "type", "timezone"})

    name: Name | None = None
    type: ProjectType | None = None
    location_name: Location | None = None
    start_at: Instant | None = None
    end_at: Instant | None = None
    timezone: Timezone | None = None
    project_link: Url | None = None
    terms_and_conditions: Text | None = None

    @model_validator(mode="after")
    def _dates(self) -> Self:
        check_window(self.start_at, self.end_at, strict=False, what="endAt")
        return self


class StatusChange(StrictCamelModel):
    status: ProjectStatus


class PhotographerAssignment(StrictCamelModel):
    photographer_id: uuid.UUID


class DiscountLink(StrictCamelModel):
    discount_id: uuid.UUID


class BulkInvite(StrictCamelModel):
    emails: list[Email] = Field(min_length=1, max_length=500)


class BulkInviteResult(CamelModel):
    """`queued`: invite emails enqueued; `skipped`: duplicates in the request, members, live invites."""

    queued: int
    skipped: int


class InviteOut(CamelModel):
    """`registrationStatus`: joined (member of the project), registered (has an account, not joined),
    expired (past `expiresAt` without an account), pending (otherwise)."""

    id: uuid.UUID
    email: str
    registration_status: Literal["pending", "registered", "joined", "expired"]
    created_at: datetime
    expires_at: datetime


class ProjectPhotographerOut(CamelModel):
    id: uuid.UUID
    name: str
    email: str


class ProjectSummary(CamelModel):
    id: uuid.UUID
    name: str
    type: ProjectType
    status: ProjectStatus
    location_name: str | None
    start_at: datetime | None
    end_at: datetime | None
    timezone: str
    project_link: str | None
    provisioning_phase: str
    created_at: datetime
    updated_at: datetime


class ProjectDetail(ProjectSummary):
    """`termsVersion`: the number of the current terms version (null without terms)."""

    terms_and_conditions: str | None
    terms_version: int | None
    photographers: list[ProjectPhotographerOut]


class RematchQueued(CamelModel):
    """A whole-project re-match was queued (triggers within the same minute share one job)."""

    project_id: uuid.UUID
    status: Literal["queued"] = "queued"

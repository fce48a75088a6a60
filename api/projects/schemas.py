from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from typing import Annotated, Any, ClassVar, Literal, Self

from pydantic import AfterValidator, AnyHttpUrl, BeforeValidator, Field, StringConstraints, model_validator

from api.core.schemas import CamelModel, Email, Name, StrictCamelModel, Timezone

_ISO_8601 = re.compile(r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}.*)?$")


def _iso_8601(value: object) -> object:
    """Only ISO 8601 strings (pydantic would also read numbers, even "123", as Unix times)."""
    if isinstance(value, datetime) or (isinstance(value, str) and _ISO_8601.match(value)):
        return value
    raise ValueError("must be an ISO 8601 date-time string")


def _aware(value: datetime) -> datetime:
    """ISO 8601 without an offset is read as UTC."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


Instant = Annotated[datetime, BeforeValidator(_iso_8601), AfterValidator(_aware)]
Url = Annotated[AnyHttpUrl, Field(max_length=2048)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50_000)]
Location = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
ProjectType = Literal["private", "public"]
ProjectStatus = Literal["draft", "live", "closed", "archived"]


class PatchModel(StrictCamelModel):
    """A partial update: absent fields are left alone; `not_null` fields may not be set to null."""

    not_null: ClassVar[frozenset[str]] = frozenset()

    @model_validator(mode="after")
    def _reject_nulls(self) -> Self:
        nulled = sorted(f for f in self.model_fields_set & self.not_null if getattr(self, f) is None)
        if nulled:
            raise ValueError(f"may not be null: {', '.join(nulled)}")
        return self

    def changes(self) -> dict[str, Any]:
        return self.model_dump(exclude_unset=True)


def check_window(start: datetime | None, end: datetime | None, *, strict: bool, what: str) -> None:
    """Raise ValueError when `end` comes before `start` (or equals it, when `strict`)."""
    if start is not None and end is not None and (end <= start if strict else end < start):
        raise ValueError(f"{what} must be {'after' if strict else 'on or after'} its start")


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

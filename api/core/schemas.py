"""Base models and field types shared by the request and response bodies of every domain:
camelCase on the wire, snake_case in Python; instants, partial updates, validity windows."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any, ClassVar, Self
from zoneinfo import available_timezones

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    EmailStr,
    StringConstraints,
    field_validator,
    model_validator,
)
from pydantic.alias_generators import to_camel


class CamelModel(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, from_attributes=True)


class StrictCamelModel(CamelModel):
    """Request bodies: unknown fields are rejected rather than silently ignored, and no string may
    carry a NUL character (PostgreSQL text cannot store it)."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        if _has_nul(value):
            raise ValueError("must not contain NUL characters")
        return value


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, list | tuple | set):
        return any(_has_nul(v) for v in value)
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, BaseModel):
        return False  # nested models validate themselves
    return False


_TIMEZONES = frozenset(available_timezones())


def _known_timezone(value: str) -> str:
    if value not in _TIMEZONES:
        raise ValueError("unknown IANA timezone")
    return value


def _lower(value: str) -> str:
    return value.lower()


Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Email = Annotated[EmailStr, StringConstraints(max_length=320), AfterValidator(_lower)]
Password = Annotated[str, StringConstraints(min_length=8, max_length=128)]
Timezone = Annotated[str, AfterValidator(_known_timezone)]

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

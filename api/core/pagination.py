"""Keyset pagination of the growing lists (design.md: `limit`, `cursor`, `X-Next-Cursor`).

A list reads one row more than its page (`limit + 1`); when that row exists, `page_of` returns the
cursor of the page's last row: its sort key, opaque to clients (URL-safe base64 of a JSON array of
strings and nulls). A malformed cursor is a 400 `invalid_cursor`. Each list declares its own page
cap, default page size and cursor length with `paging(...)`; the endpoint then answers with
`Paging.respond`, which puts the next cursor in the `X-Next-Cursor` header.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from fastapi import Depends, Query, Response

from api.core.errors import BadRequest

NEXT_CURSOR_HEADER = "X-Next-Cursor"

T = TypeVar("T")
V = TypeVar("V")


def encode_cursor(*values: Any) -> str:
    """The cursor of a sort key: instants as ISO 8601, None as null, anything else as its str."""
    raw = [None if v is None else v.isoformat() if isinstance(v, datetime) else str(v) for v in values]
    return base64.urlsafe_b64encode(json.dumps(raw).encode()).decode()


def decode_cursor(cursor: str, *parsers: Callable[[Any], Any]) -> tuple[Any, ...]:
    """The cursor's values, each through its parser; 400 `invalid_cursor` for anything else."""
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(values, list) or len(values) != len(parsers):
            raise ValueError("wrong shape")
        if not all(value is None or isinstance(value, str) for value in values):
            raise ValueError("not a string")
        return tuple(parse(value) for parse, value in zip(parsers, values, strict=True))
    except (ValueError, TypeError) as exc:  # binascii, JSON and Unicode errors are ValueErrors
        raise BadRequest("The cursor is invalid.", code="invalid_cursor") from exc


def nullable(parse: Callable[[str], V]) -> Callable[[str | None], V | None]:
    """A parser for a sort key part that may be null (e.g. an undated photo's capture time)."""
    return lambda value: None if value is None else parse(value)


def page_of(
    rows: Sequence[T], limit: int, sort_key: Callable[[T], Sequence[Any]]
) -> tuple[list[T], str | None]:
    """The page (the first `limit` of the `limit + 1` rows read) and, when more remain, the cursor
    after its last row."""
    page = list(rows[:limit])
    return page, encode_cursor(*sort_key(page[-1])) if len(rows) > limit else None


@dataclass(frozen=True)
class Paging:
    """One request's page: its size, the cursor it starts after, and the response it answers in."""

    limit: int
    cursor: str | None
    response: Response

    def respond(self, page: tuple[list[T], str | None]) -> list[T]:
        items, next_cursor = page
        if next_cursor:
            self.response.headers[NEXT_CURSOR_HEADER] = next_cursor
        return items


def paging(*, cap: int, default: int, cursor_length: int) -> Any:
    """The dependency of one list's query parameters: `limit` (1 to `cap`, `default` when absent)
    and `cursor` (at most `cursor_length` characters). Use as `Annotated[Paging, paging(...)]`."""

    async def dependency(  # async: resolved on the event loop, no threadpool hop
        response: Response,
        limit: int = Query(default, ge=1, le=cap),
        cursor: str | None = Query(None, max_length=cursor_length),
    ) -> Paging:
        return Paging(limit, cursor, response)

    return Depends(dependency)

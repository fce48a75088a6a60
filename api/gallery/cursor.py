"""Opaque keyset cursors for growing lists (design.md: `limit`, `cursor`, `X-Next-Cursor`)."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Query

from api.core.errors import BadRequest

Limit = Annotated[int, Query(ge=1, le=100)]
Cursor = Annotated[str | None, Query(max_length=500)]
NEXT_CURSOR_HEADER = "X-Next-Cursor"


def encode_cursor(*values: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps([str(v) for v in values]).encode()).decode()


def decode_cursor(cursor: str, *parsers: Callable[[str], Any]) -> tuple[Any, ...]:
    """The cursor's values, each through its parser; 400 `invalid_cursor` for anything else."""
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        if not isinstance(values, list) or len(values) != len(parsers):
            raise ValueError("wrong shape")
        return tuple(parse(value) for parse, value in zip(parsers, values, strict=True))
    except (ValueError, TypeError, UnicodeDecodeError) as exc:
        raise BadRequest("The cursor is invalid.", code="invalid_cursor") from exc

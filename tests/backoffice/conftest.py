"""Backoffice fixtures: two operators (tenants), a photographer of the first, an end user."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.factories import Factory


@pytest.fixture
def op(make_operator: Callable[..., dict[str, Any]]) -> dict[str, Any]:
    return make_operator("Lumen Studio")


@pytest.fixture
def other_op(make_operator: Callable[..., dict[str, Any]]) -> dict[str, Any]:
    return make_operator("Rival Studio")


@pytest.fixture
def photographer(
    op: dict[str, Any], make_photographer: Callable[[dict[str, Any]], dict[str, Any]]
) -> dict[str, Any]:
    return make_photographer(op)


@pytest.fixture
def user_token(build: Factory) -> str:
    """An end user's token (audiences main and media: not the backoffice)."""
    return build.attendee().token

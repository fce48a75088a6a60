"""Backoffice fixtures: two operators (tenants), a photographer of the first, an end user."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy.orm import Session

from api.core.security import USER_AUDIENCES, issue_access_token
from tests.backoffice.helpers import add_user


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
def user_token(db: Session) -> str:
    """An end user's token (audiences main and media: not the backoffice)."""
    return issue_access_token(add_user(db).id, "user", USER_AUDIENCES)

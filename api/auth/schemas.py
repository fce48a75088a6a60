from __future__ import annotations

import uuid

from pydantic import Field

from api.core.schemas import CamelModel, Email, Name, Password, StrictCamelModel, Timezone


class RegisterOperator(StrictCamelModel):
    name: Name
    email: Email
    password: Password
    timezone: Timezone | None = None


class RegisterAccount(StrictCamelModel):
    """End users (main API) and photographers (registered by their operator)."""

    name: Name
    email: Email
    password: Password


class Login(StrictCamelModel):
    email: Email
    password: str = Field(min_length=1, max_length=128)


class ForgotPassword(StrictCamelModel):
    email: Email


class ResetPassword(StrictCamelModel):
    token: str = Field(min_length=1, max_length=256)
    password: Password


class EmptyOut(CamelModel):
    """The spec's `{}` body."""


class TokenOut(CamelModel):
    token: str


class PhotographerOut(CamelModel):
    id: uuid.UUID
    name: str
    email: str

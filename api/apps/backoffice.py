"""Backoffice API (port 3001): operators and photographers, audience `backoffice`."""

from __future__ import annotations

from fastapi import FastAPI

from api.apps.factory import build_app
from api.auth.endpoints import backoffice_router as auth_router


def create_app() -> FastAPI:
    return build_app(
        "Wairo backoffice API",
        "Projects, photographers, pricing, discounts, promo codes, analytics and orders.",
        [auth_router],
    )

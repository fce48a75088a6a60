"""Main API (port 3002): end users, audience `main`."""

from __future__ import annotations

from fastapi import FastAPI

from api.apps.factory import build_app
from api.auth.endpoints import main_router as auth_router


def create_app() -> FastAPI:
    return build_app(
        "Wairo main API",
        "Accounts, biometric consent, joining projects, photos, purchases and the Stripe webhook.",
        [auth_router],
    )

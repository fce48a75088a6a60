"""Backoffice API (port 3001): operators and photographers, audience `backoffice`."""

from __future__ import annotations

from fastapi import FastAPI

from api.analytics.endpoints import router as analytics_router
from api.apps.factory import build_app
from api.auth.endpoints import backoffice_router as auth_router
from api.operators.endpoints import router as operators_router
from api.orders.endpoints import router as orders_router
from api.photographers.endpoints import router as photographers_router
from api.pricing.endpoints import discounts_router, promo_codes_router, rules_router
from api.projects.endpoints import router as projects_router


def create_app() -> FastAPI:
    return build_app(
        "Wairo backoffice API",
        "Projects, photographers, pricing, discounts, promo codes, analytics and orders.",
        [
            auth_router,
            projects_router,
            photographers_router,
            rules_router,
            discounts_router,
            promo_codes_router,
            operators_router,
            analytics_router,
            orders_router,
        ],
    )

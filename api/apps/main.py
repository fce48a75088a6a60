"""Main API (port 3002): end users, audience `main`."""

from __future__ import annotations

from fastapi import FastAPI

from api.albums.endpoints import member_router as albums_router
from api.apps.factory import build_app
from api.auth.endpoints import main_router as auth_router
from api.consent.endpoints import router as consent_router
from api.gallery.endpoints import router as gallery_router
from api.membership.endpoints import router as membership_router
from api.purchases.endpoints import router as purchases_router
from api.search.endpoints import main_router as search_router
from api.shares.endpoints import router as shares_router
from api.web.endpoints import router as web_router


def create_app() -> FastAPI:
    return build_app(
        "Wairo main API",
        "Accounts, biometric consent, joining projects, photos, albums, search, purchases, Stripe webhook; "
        "the attendee web pages (not in this document).",
        [
            auth_router,
            consent_router,
            membership_router,
            gallery_router,
            albums_router,
            purchases_router,
            shares_router,
            search_router,
            web_router,
        ],
    )

"""Media API (port 3003): presigned uploads and photo listings, audiences `media` and `backoffice`."""

from __future__ import annotations

from fastapi import FastAPI

from api.apps.factory import build_app
from api.media.endpoints import internal_router as media_internal_router
from api.media.endpoints import router as media_router


def create_app() -> FastAPI:
    return build_app(
        "Wairo media API",
        "Presigned uploads, photo status, listings, deletion and delivery.",
        [media_router, media_internal_router],
    )

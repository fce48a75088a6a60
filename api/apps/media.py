"""Media API (port 3003): presigned uploads and photo listings, audiences `media` and `backoffice`."""

from __future__ import annotations

from fastapi import FastAPI

from api.albums.endpoints import staff_router as albums_router
from api.apps.factory import build_app
from api.media.endpoints import internal_router as media_internal_router
from api.media.endpoints import router as media_router
from api.search.endpoints import media_router as search_router


def create_app() -> FastAPI:
    return build_app(
        "Wairo media API",
        "Presigned uploads, photo status, listings, albums, search, deletion and delivery.",
        [media_router, albums_router, search_router, media_internal_router],
    )

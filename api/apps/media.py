"""Media API (port 3003): presigned uploads and photo listings, audiences `media` and `backoffice`."""

from __future__ import annotations

from fastapi import FastAPI

from api.apps.factory import build_app


def create_app() -> FastAPI:
    return build_app(
        "Wairo media API", "Presigned uploads, photo status, listings, deletion and delivery.", []
    )

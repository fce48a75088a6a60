"""What the three apps share: error bodies, request ids, request metrics, health routes, stable
operation ids."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute

from api.core.context import RequestIdMiddleware, configure_logging
from api.core.errors import install_error_handlers
from api.core.http import install_http_hardening
from api.core.metrics import RequestMetricsMiddleware
from api.core.reads import close_reader, open_reader
from api.core.token_versions import close_cache, open_cache
from api.health.endpoints import router as health_router
from api.settings import get_settings


def _operation_id(route: APIRoute) -> str:
    """Operation ids are the endpoint function names (unique per app, stable across releases)."""
    return route.name


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    """The event loop's connections: the read pool and the token-version cache."""
    open_reader(app)
    open_cache(app)
    try:
        yield
    finally:
        await close_cache(app)
        await close_reader(app)


def build_app(title: str, description: str, routers: list[APIRouter]) -> FastAPI:
    configure_logging()
    app = FastAPI(
        title=title,
        description=description,
        version="0.1.0",
        generate_unique_id_function=_operation_id,
        lifespan=_lifespan,
    )
    settings = get_settings()
    install_error_handlers(app)
    install_http_hardening(app, settings.cors_origins, settings.max_request_body_bytes)
    app.add_middleware(RequestMetricsMiddleware)  # outside the others: what they refuse is counted
    app.add_middleware(RequestIdMiddleware)  # outermost: every response and log line has the id
    app.include_router(health_router)
    for router in routers:
        app.include_router(router)
    return app

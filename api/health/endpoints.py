"""`/healthz` (the process is up), `/readyz` (its database, storage and broker answer) and
`/metrics` (Prometheus, api/core/metrics.py; not in the OpenAPI document)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST
from pydantic import BaseModel
from sqlalchemy import text

from api.core.db import get_engine
from api.core.metrics import exposition
from api.core.ratelimit import redis_client
from api.core.storage import check_storage

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: Literal["ok"]


class Readiness(BaseModel):
    status: Literal["ready", "unavailable"]
    checks: dict[str, str]


def _database() -> None:
    with get_engine().connect() as conn:
        conn.execute(text("SELECT 1"))


def _broker() -> None:
    redis_client().ping()


CHECKS: dict[str, Callable[[], None]] = {"database": _database, "storage": check_storage, "broker": _broker}


@router.get("/healthz", operation_id="healthz")
def healthz() -> Health:
    return Health(status="ok")


@router.get("/readyz", operation_id="readyz", responses={503: {"model": Readiness}})
def readyz() -> JSONResponse:
    results: dict[str, str] = {}
    for name, check in CHECKS.items():
        try:
            check()
            results[name] = "ok"
        except Exception as exc:  # each failure is reported, not raised
            results[name] = f"error: {type(exc).__name__}"
    ready = all(v == "ok" for v in results.values())
    body = Readiness(status="ready" if ready else "unavailable", checks=results)
    return JSONResponse(body.model_dump(), status_code=200 if ready else 503)


@router.get("/metrics", operation_id="metrics", include_in_schema=False)
def metrics() -> Response:
    """Every process's samples (multiprocess mode); only route templates and statuses, no tenant."""
    return Response(exposition(), media_type=CONTENT_TYPE_LATEST)

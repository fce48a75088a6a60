"""Domain errors and the uniform JSON error body.

Every error answers `{"error": {"code", "message", "details"?}, "requestId"}`.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import psycopg
from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.core.context import request_id_var

log = logging.getLogger("wairo.errors")


class AppError(Exception):
    status_code = 400
    code = "bad_request"
    headers: Mapping[str, str] | None = None  # extra response headers (e.g. Retry-After)

    def __init__(self, message: str, *, code: str | None = None, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.details = details


class BadRequest(AppError):
    pass


class Unauthorized(AppError):
    status_code = 401
    code = "unauthorized"


class Forbidden(AppError):
    status_code = 403
    code = "forbidden"


class NotFound(AppError):
    status_code = 404
    code = "not_found"


class Conflict(AppError):
    status_code = 409
    code = "conflict"


class Unprocessable(AppError):
    status_code = 422
    code = "unprocessable"


class TooManyRequests(AppError):
    status_code = 429
    code = "rate_limited"


def error_body(
    status_code: int, code: str, message: str, details: Any = None, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    error: dict[str, Any] = {"code": code, "message": message}
    if details is not None:
        error["details"] = jsonable_encoder(details)
    headers = dict(headers or {})
    if status_code == 401:
        headers.setdefault("WWW-Authenticate", "Bearer")
    return JSONResponse(
        {"error": error, "requestId": request_id_var.get()}, status_code=status_code, headers=headers
    )


_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "unprocessable",
    429: "rate_limited",
}


async def _app_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AppError)
    return error_body(exc.status_code, exc.code, exc.message, exc.details, exc.headers)


async def _validation_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    details = [
        {"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")}
        for e in exc.errors()
    ]
    return error_body(422, "validation_error", "The request is invalid.", details)


async def _http_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = _HTTP_CODES.get(exc.status_code, "error")
    return error_body(exc.status_code, code, str(exc.detail), headers=exc.headers)


async def _integrity_error(_: Request, exc: Exception) -> JSONResponse:
    # A constraint the service did not pre-check (e.g. a concurrent duplicate): a conflict, not a 500.
    log.info("integrity error: %s", exc)
    return error_body(409, "conflict", "The request conflicts with the current state of the resource.")


async def _data_error(_: Request, exc: Exception) -> JSONResponse:
    # Input the database cannot store (e.g. a number out of range) that validation let through.
    log.info("data error: %s", exc)
    return error_body(422, "invalid_data", "A value in the request is out of range or not storable.")


async def _db_error(_: Request, exc: Exception) -> JSONResponse:
    log.exception("database error", exc_info=exc)
    return error_body(503, "unavailable", "The database is unavailable, try again.")


async def _unhandled(_: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error", exc_info=exc)
    return error_body(500, "internal_error", "Internal server error.")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(AppError, _app_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(IntegrityError, _integrity_error)
    app.add_exception_handler(DataError, _data_error)
    app.add_exception_handler(DBAPIError, _db_error)
    app.add_exception_handler(psycopg.OperationalError, _db_error)  # the async reads (api/core/reads.py)
    app.add_exception_handler(Exception, _unhandled)

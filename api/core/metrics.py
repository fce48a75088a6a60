"""Prometheus metrics of the API processes: requests by route template and status, and the
registry a scrape reads (the three apps' `/metrics` and the worker's exporter).

One histogram, `wairo_http_request_duration_seconds`: its `_count` is the request count (no second
series to update: each sample costs a lock and, in multiprocess mode, a write to a mapped file).

Labels are the method, the matched route's path template (`/v1/photos/{id}`, never the raw path)
and the status: a path no route matched (404s, CORS preflights, bodies refused before routing) is
`unmatched`, an unknown method `OTHER`, so the series are bounded whatever clients send. No label
names a project, a user or an id, which is why `/metrics` can be served on each app's own port:
it tells how busy each route is, nothing about any tenant. `/metrics`, `/healthz` and `/readyz`
(scrapes and probes) are not counted.

Processes that share a pod (`uvicorn --workers N`, Celery's prefork pool) each count their own:
with `PROMETHEUS_MULTIPROC_DIR` set (an empty directory, one per pod: the chart's emptyDir, read
when prometheus_client is imported) every process writes its samples there and a scrape of any of
them reports the sum (prometheus_client's multiprocess mode).
"""

from __future__ import annotations

import os
from time import perf_counter

from prometheus_client import REGISTRY, CollectorRegistry, Histogram, generate_latest, multiprocess
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
UNMATCHED = "unmatched"
UNMEASURED = frozenset({"/metrics", "/healthz", "/readyz"})
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
SECONDS_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

REQUEST_SECONDS = Histogram(
    "wairo_http_request_duration_seconds",
    "Time to answer an HTTP request (to the end of its body), by route template and status.",
    ("method", "route", "status"),
    buckets=SECONDS_BUCKETS,
)


def multiprocess_dir() -> str | None:
    """The multiprocess directory when this process writes its samples there, else None."""
    return os.environ.get(MULTIPROC_ENV) or None


def scrape_registry() -> CollectorRegistry:
    """What a scrape reports: every process's samples in multiprocess mode, else this process's."""
    if multiprocess_dir() is None:
        return REGISTRY
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    return registry


def exposition() -> bytes:
    """The scrape's body in the Prometheus text format (`prometheus_client.CONTENT_TYPE_LATEST`)."""
    return generate_latest(scrape_registry())


def route_template(scope: Scope) -> str:
    """The matched route's path template; a matched route without parameters (the docs pages) is
    its own path; nothing matched: `unmatched`."""
    template = getattr(scope.get("route"), "path_format", None)
    if isinstance(template, str):
        return template
    if "endpoint" in scope and not scope.get("path_params"):
        return str(scope["path"])
    return UNMATCHED


class RequestMetricsMiddleware:
    """Pure ASGI middleware (a few µs a request: each method, route and status's labelled series is
    looked up once, then reused)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._series: dict[tuple[str, str, int], Histogram] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in UNMEASURED:
            await self.app(scope, receive, send)
            return
        started = perf_counter()
        status = 500  # an exception escaping the app is answered 500 outside this middleware

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            self._record(scope, status, perf_counter() - started)

    def _record(self, scope: Scope, status: int, seconds: float) -> None:
        method = scope["method"] if scope["method"] in _METHODS else "OTHER"
        key = (method, route_template(scope), status)
        series = self._series.get(key)
        if series is None:
            series = self._series[key] = REQUEST_SECONDS.labels(key[0], key[1], str(status))
        series.observe(seconds)

"""`/metrics` of the APIs after real traffic: the backoffice app under uvicorn with two worker
processes (the chart's command, `--workers 2`) sharing one PROMETHEUS_MULTIPROC_DIR, so a scrape,
whichever process answers it, counts the requests both processes answered. Requests are labelled
by route template and status; unmatched paths share one label; probes and scrapes are not counted;
no id of any tenant appears."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from sqlalchemy.orm import Session

from api.apps.backoffice import create_app
from api.core.metrics import MULTIPROC_ENV, UNMATCHED
from tests.factories import Factory
from tests.routes import api_routes
from tests.support.http import bearer, wait_until
from tests.support.metrics import scrape, total
from wairo_dev.stack.processes import Supervisor, free_port, wait_for

COUNT = "wairo_http_request_duration_seconds_count"
PROJECT_ROUTE = "/v1/projects/{id}"


@pytest.fixture
def backoffice_url(infra: dict[str, str], sup: Supervisor, multiproc_dir: Path) -> Iterator[str]:
    port = free_port()
    sup.env = {**os.environ, MULTIPROC_ENV: str(multiproc_dir)}
    server = sup.python(
        "backoffice",
        [
            *("-m", "uvicorn", "api.apps.backoffice:create_app", "--factory", "--workers", "2"),
            *("--host", "127.0.0.1", "--port", str(port), "--no-server-header"),
        ],
        cwd=Path(__file__).resolve().parents[2],
    )
    url = f"http://127.0.0.1:{port}"
    wait_for(lambda: httpx.get(f"{url}/healthz", timeout=2).status_code == 200, "uvicorn", 120, proc=server)
    yield url


def _get(url: str, token: str | None = None) -> int:
    headers = bearer(token) if token else {}
    return httpx.get(url, headers=headers, timeout=30).status_code  # a new connection each time


def test_requests_are_counted_by_route_template_and_status(
    backoffice_url: str, multiproc_dir: Path, committed: Session
) -> None:
    tenant = Factory(committed).tenant()
    project_url = f"{backoffice_url}/v1/projects/{tenant.project.id}"
    before = scrape(f"{backoffice_url}/metrics")

    # 200s in concurrent bursts until both processes have answered some (each writes its own file).
    answered = 0
    with ThreadPoolExecutor(8) as pool:

        def burst() -> bool:
            nonlocal answered
            statuses = list(pool.map(lambda _: _get(project_url, tenant.operator_token), range(8)))
            assert statuses == [200] * 8
            answered += len(statuses)
            return len(list(multiproc_dir.glob("histogram_*.db"))) >= 2

        wait_until(burst, timeout_s=60, what="requests answered by both uvicorn processes")
    assert _get(f"{backoffice_url}/v1/projects/{uuid.uuid4()}", tenant.operator_token) == 404
    assert _get(project_url) == 401
    assert _get(f"{backoffice_url}/v1/no-such-route/{uuid.uuid4()}") == 404
    assert _get(f"{backoffice_url}/healthz") == 200
    assert _get(f"{backoffice_url}/readyz") == 200

    response = httpx.get(f"{backoffice_url}/metrics", timeout=10)
    assert response.headers["content-type"].startswith("text/plain")
    after = scrape(f"{backoffice_url}/metrics")

    def moved(route: str, status: str, name: str = COUNT, **labels: str) -> float:
        selected = {"method": "GET", "route": route, "status": status, **labels}
        return total(after, name, **selected) - total(before, name, **selected)

    assert moved(PROJECT_ROUTE, "200") == answered  # the sum of both processes' counts
    bucket = "wairo_http_request_duration_seconds_bucket"
    assert moved(PROJECT_ROUTE, "200", bucket, le="+Inf") == answered
    assert moved(PROJECT_ROUTE, "200", "wairo_http_request_duration_seconds_sum") > 0
    assert moved(PROJECT_ROUTE, "404") == 1
    assert moved(PROJECT_ROUTE, "401") == 1
    assert moved(UNMATCHED, "404") == 1
    routes = {s.labels["route"] for s in after if s.name == COUNT}
    assert not routes & {"/healthz", "/readyz", "/metrics"}  # probes and scrapes are not counted
    assert routes <= {UNMATCHED} | {route.path for route in api_routes(create_app())}  # templates only
    assert str(tenant.project.id) not in response.text and str(tenant.operator.id) not in response.text

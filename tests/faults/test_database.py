"""Postgres restarted under traffic: the API processes ride it out without being restarted."""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import select

from api.models import Photo
from tests.factories import Factory, Tenant
from tests.faults.flows import assert_processed_once, complete, presign, upload, wait_settled
from tests.faults.harness import FaultStack
from tests.support.http import bearer, wait_until
from tests.support.images import face_jpeg

# Each request of the traffic must come back within this (the API's own bounds are shorter: 5 s to
# connect to Postgres, 10 s to get a pooled connection, 30 s per statement).
REQUEST_TIMEOUT_S = 40.0


@dataclass(frozen=True)
class Outcome:
    call: str
    started: float
    elapsed_s: float
    status: int | None  # None: no response at all (the error says why)
    body: Any
    error: str | None = None


@dataclass(frozen=True)
class Call:
    name: str
    method: str
    url: str
    headers: dict[str, str]
    json: Any = None
    ok: int = 200


class Traffic(threading.Thread):
    """Sends the calls round and round, one connection per request, recording every outcome."""

    def __init__(self, calls: list[Call]) -> None:
        super().__init__(daemon=True)
        self.calls = calls
        self.outcomes: list[Outcome] = []
        self.halt = threading.Event()

    def run(self) -> None:
        limits = httpx.Limits(max_keepalive_connections=0)
        with httpx.Client(timeout=REQUEST_TIMEOUT_S, limits=limits) as http:
            while not self.halt.is_set():
                for call in self.calls:
                    self.outcomes.append(self._send(http, call))
                time.sleep(0.05)

    def _send(self, http: httpx.Client, call: Call) -> Outcome:
        started = time.monotonic()
        try:
            response = http.request(call.method, call.url, headers=call.headers, json=call.json)
        except httpx.HTTPError as exc:
            return Outcome(call.name, started, time.monotonic() - started, None, None, repr(exc))
        try:
            body = response.json()
        except ValueError:
            body = response.text
        return Outcome(call.name, started, time.monotonic() - started, response.status_code, body)

    def seen(self, ok: bool, since: float) -> set[str]:
        """The calls that had an answer (ok: the success status; else a failure) after `since`."""
        oks = {c.name: c.ok for c in self.calls}
        return {o.call for o in list(self.outcomes) if o.started >= since and (o.status == oks[o.call]) == ok}


def test_postgres_restart_mid_traffic(faults: FaultStack, tenant: Tenant, media: httpx.Client) -> None:
    """Postgres is stopped (`pg_ctl stop`: sessions cut) and started again while requests flow to the
    real main and media API processes: a DB-backed write (presign, which inserts a photo row), DB
    reads on both APIs and their readiness probes. During the outage every request is answered
    within its timeout, with a JSON 503 (no hang, no 500, no dropped connection); after the restart
    the same API processes answer again (pool pre-ping), and so does the worker.

    Nothing lost: the photo rows of the project are exactly the ones whose presign was answered
    201, before, during (none) or after the outage; a request answered 503 left no row."""
    with faults.db() as session:
        buyer_token = Factory(session).attendee().token
    known = presign(media, tenant, 50_000)["photoId"]
    photographer = bearer(tenant.photographer_token)
    body = {"projectId": str(tenant.project.id), "contentType": "image/jpeg", "sizeBytes": 50_000}
    traffic = Traffic(
        [
            Call("presign", "POST", f"{faults.media_url}/v1/photos/upload-url", photographer, body, ok=201),
            Call("photo", "GET", f"{faults.media_url}/v1/photos/{known}", photographer),
            Call("purchases", "GET", f"{faults.main_url}/v1/purchases", bearer(buyer_token)),
            Call("media ready", "GET", f"{faults.media_url}/readyz", {}),
            Call("main ready", "GET", f"{faults.main_url}/readyz", {}),
        ]
    )
    names = {c.name for c in traffic.calls}
    api_pids = {name: faults.children[name].popen.pid for name in ("main", "media")}
    traffic.start()
    try:
        wait_until(lambda: traffic.seen(True, 0) == names, 60, "traffic to flow")
        stopped = time.monotonic()
        faults.stop_postgres()
        try:
            wait_until(
                lambda: traffic.seen(False, stopped) == names, 60, "the outage to be seen by every call"
            )
        finally:
            faults.start_postgres()
        restarted = time.monotonic()
        wait_until(lambda: traffic.seen(True, restarted) == names, 90, "every call to succeed again")
    finally:
        traffic.halt.set()
        traffic.join(REQUEST_TIMEOUT_S + 5)
    assert not traffic.is_alive()

    outcomes = traffic.outcomes
    assert [o for o in outcomes if o.status is None] == []  # every request was answered
    assert max(o.elapsed_s for o in outcomes) < REQUEST_TIMEOUT_S
    failures = [o for o in outcomes if o.status != {c.name: c.ok for c in traffic.calls}[o.call]]
    assert failures and {o.status for o in failures} == {503}, {(o.call, o.status) for o in failures}
    for o in failures:
        if o.call.endswith("ready"):
            assert o.body["status"] == "unavailable" and o.body["checks"]["database"].startswith("error")
        else:
            assert o.body["error"]["code"] == "unavailable", o.body
    # The same API processes, never restarted.
    assert {name: faults.children[name].popen.pid for name in api_pids} == api_pids
    assert all(faults.alive(name) for name in api_pids)

    # Nothing lost, nothing extra: one row per answered presign.
    answered = {uuid.UUID(o.body["photoId"]) for o in outcomes if o.call == "presign" and o.status == 201}
    with faults.db() as session:
        rows = set(session.scalars(select(Photo.id).where(Photo.project_id == tenant.project.id)))
    assert rows == answered | {uuid.UUID(known)}

    # The worker reconnected too: a photo uploaded now is processed, once.
    photo_id = upload(media, tenant, face_jpeg())
    complete(media, tenant, photo_id)
    assert wait_settled(media, tenant, [photo_id])[photo_id]["status"] == "ready"
    assert_processed_once(faults, tenant, [photo_id])

"""A closed-loop HTTP load generator (asyncio + httpx): fixed concurrency for a fixed time."""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx

RequestFactory = Callable[[int], tuple[str, str, dict[str, str], bytes | None]]


@dataclass
class LoadResult:
    name: str
    requests: int
    errors: int
    seconds: float
    latencies_ms: list[float]

    @property
    def rps(self) -> float:
        return self.requests / self.seconds

    def percentile(self, p: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]

    @property
    def p50(self) -> float:
        return statistics.median(self.latencies_ms) if self.latencies_ms else float("nan")


async def _run(name: str, make_request: RequestFactory, concurrency: int, duration_s: float) -> LoadResult:
    latencies: list[float] = []
    errors = 0
    counter = 0
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(timeout=30, limits=limits) as client:
        deadline = time.perf_counter() + duration_s

        async def loop() -> None:
            nonlocal errors, counter
            while time.perf_counter() < deadline:
                counter += 1
                method, url, headers, body = make_request(counter)
                started = time.perf_counter()
                try:
                    response = await client.request(method, url, headers=headers, content=body)
                    ok = response.status_code < 400
                except httpx.HTTPError:
                    ok = False
                latencies.append((time.perf_counter() - started) * 1000)
                errors += 0 if ok else 1

        started = time.perf_counter()
        await asyncio.gather(*(loop() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    return LoadResult(name, len(latencies), errors, elapsed, latencies)


def run_load(name: str, make_request: RequestFactory, concurrency: int, duration_s: float) -> LoadResult:
    return asyncio.run(_run(name, make_request, concurrency, duration_s))

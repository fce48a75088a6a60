"""A closed-loop HTTP/1.1 load generator: `concurrency` keep-alive connections, each sending its
next request as soon as it has read the previous response, for a fixed time.

Raw asyncio streams (on uvloop when installed) rather than an HTTP client library: on a 2-core
machine the generator shares the CPU with the servers it measures, and httpx's AsyncClient spent so
much per request that it capped the constant app at ~100 req/s with 32 connections, where this
generator reaches 1.5-2.7k, in the (noisy) range `wrk` from Debian reached against the same app on
the same machine (1.7-3.1k).
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import Counter
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

T = TypeVar("T")

# A request whose connection is still open this long after the end of the run is counted as failed.
STALL_GRACE_S = 10.0
TRANSPORT_ERROR = 0  # the status recorded when no response came back (refused, reset, stalled)


@dataclass(frozen=True)
class Target:
    """Where to send load and the raw requests to send, in turn (e.g. one per account)."""

    name: str
    host: str
    port: int
    requests: tuple[bytes, ...]


def build_request(
    method: str,
    host: str,
    port: int,
    path: str,
    headers: dict[str, str] | None = None,
    body: bytes = b"",
) -> bytes:
    """One HTTP/1.1 keep-alive request, serialised once and sent as is."""
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}:{port}"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    if body or method in ("POST", "PUT", "PATCH"):
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of unsorted values; NaN when there are none."""
    if not values:
        return float("nan")
    if not 0 <= p <= 100:
        raise ValueError(f"percentile must be within 0..100, not {p}")
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


@dataclass
class LoadResult:
    """What one run against one target measured."""

    name: str
    seconds: float
    latencies_ms: list[float] = field(default_factory=list)  # every response, whatever its status
    statuses: Counter[int] = field(default_factory=Counter)  # TRANSPORT_ERROR: no response
    client_cpu_s: float = 0.0  # CPU time of the generator process during the run

    @property
    def requests(self) -> int:
        return sum(self.statuses.values())

    @property
    def ok(self) -> int:
        return sum(n for status, n in self.statuses.items() if 200 <= status < 400)

    @property
    def errors(self) -> int:
        return self.requests - self.ok

    @property
    def rps(self) -> float:
        """Successful responses per second (errors are not throughput)."""
        return self.ok / self.seconds if self.seconds > 0 else 0.0

    @property
    def p50(self) -> float:
        return percentile(self.latencies_ms, 50)

    @property
    def p99(self) -> float:
        return percentile(self.latencies_ms, 99)

    @property
    def client_cpu(self) -> float:
        """The generator's share of one core over the run (1.0: one core busy throughout)."""
        return self.client_cpu_s / self.seconds if self.seconds > 0 else 0.0

    def error_summary(self) -> str:
        """E.g. `429x12, no response x1`; empty when every response was 2xx/3xx."""
        parts = [
            f"{'no response ' if status == TRANSPORT_ERROR else status}x{n}"
            for status, n in sorted(self.statuses.items())
            if not 200 <= status < 400
        ]
        return ", ".join(parts)

    def merged(self, other: LoadResult) -> LoadResult:
        """Two runs against the same target as one (requests, time and latencies pooled)."""
        return LoadResult(
            self.name,
            self.seconds + other.seconds,
            self.latencies_ms + other.latencies_ms,
            self.statuses + other.statuses,
            self.client_cpu_s + other.client_cpu_s,
        )


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bytes, bool]:
    """Status, body and whether the connection stays open, for one HTTP/1.1 response."""
    head = await reader.readuntil(b"\r\n\r\n")
    status_line, *header_lines = head[:-4].split(b"\r\n")
    parts = status_line.split(b" ", 2)
    if len(parts) < 2 or not parts[0].startswith(b"HTTP/1."):
        raise ValueError(f"not an HTTP/1.x response: {status_line!r}")
    status = int(parts[1])
    length: int | None = None
    chunked = False
    keep_alive = parts[0] == b"HTTP/1.1"
    for line in header_lines:
        name, _, value = line.partition(b":")
        name, value = name.strip().lower(), value.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"transfer-encoding":
            chunked = b"chunked" in value
        elif name == b"connection":
            keep_alive = value == b"keep-alive" or (keep_alive and value != b"close")
    if chunked:
        chunks = []
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            if size == 0:
                while await reader.readuntil(b"\r\n") != b"\r\n":  # trailers
                    pass
                break
            chunks.append((await reader.readexactly(size + 2))[:-2])
        body = b"".join(chunks)
    elif length is not None:
        body = await reader.readexactly(length)
    else:  # no length: the body runs to the end of the connection
        body = await reader.read()
        keep_alive = False
    return status, body, keep_alive


async def _connection(
    target: Target,
    first: int,
    stride: int,
    deadline: float,
    result: LoadResult,
    open_writers: set[asyncio.StreamWriter],
) -> None:
    """One client: a keep-alive connection (reopened when the server closes it), closed loop."""
    index = first
    reader: asyncio.StreamReader | None = None
    writer: asyncio.StreamWriter | None = None
    try:
        while time.perf_counter() < deadline:
            if reader is None or writer is None:
                try:
                    reader, writer = await asyncio.open_connection(target.host, target.port)
                except OSError:
                    result.statuses[TRANSPORT_ERROR] += 1
                    await asyncio.sleep(0.05)
                    continue
                open_writers.add(writer)
            request = target.requests[index % len(target.requests)]
            index += stride
            started = time.perf_counter()
            try:
                writer.write(request)
                status, _, keep_alive = await read_response(reader)
            except (OSError, EOFError, ValueError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
                status, keep_alive = TRANSPORT_ERROR, False
            else:
                result.latencies_ms.append((time.perf_counter() - started) * 1000)
            result.statuses[status] += 1
            if not keep_alive:
                open_writers.discard(writer)
                writer.close()
                reader = writer = None
    finally:
        if writer is not None:
            open_writers.discard(writer)
            writer.close()


async def _run(target: Target, concurrency: int, duration_s: float) -> LoadResult:
    result = LoadResult(target.name, 0.0)
    open_writers: set[asyncio.StreamWriter] = set()
    started = time.perf_counter()
    cpu_started = time.process_time()
    deadline = started + duration_s
    clients = asyncio.gather(
        *(_connection(target, i, concurrency, deadline, result, open_writers) for i in range(concurrency))
    )

    async def watchdog() -> None:
        """Abort connections still waiting for a response well after the deadline."""
        await asyncio.sleep(duration_s + STALL_GRACE_S)
        for writer in list(open_writers):
            writer.transport.abort()

    guard = asyncio.ensure_future(watchdog())
    try:
        await clients
    finally:
        guard.cancel()
    result.seconds = time.perf_counter() - started
    result.client_cpu_s = time.process_time() - cpu_started
    return result


def _run_async(coro: Awaitable[T]) -> T:
    async def main() -> T:
        return await coro

    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvicorn[standard] brings it
        return asyncio.run(main())
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(main())


def run_load(target: Target, concurrency: int, duration_s: float) -> LoadResult:
    """Hold `concurrency` connections busy against `target` for `duration_s` seconds."""
    return _run_async(_run(target, concurrency, duration_s))


async def _fetch(target: Target, timeout_s: float) -> tuple[int, bytes]:
    reader, writer = await asyncio.wait_for(asyncio.open_connection(target.host, target.port), timeout_s)
    try:
        writer.write(target.requests[0])
        status, body, _ = await asyncio.wait_for(read_response(reader), timeout_s)
    finally:
        writer.close()
    return status, body


def fetch_once(target: Target, timeout_s: float = 30.0) -> tuple[int, bytes]:
    """Send the target's first request once: status and body (to check a target before loading it)."""
    return _run_async(_fetch(target, timeout_s))

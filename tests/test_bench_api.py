"""The pure pieces of `python -m bench.api` (no stack, no load run, no timing assertions)."""

from __future__ import annotations

import asyncio
import math
from collections import Counter

import pytest

from bench.api.__main__ import (
    format_table,
    headline_lines,
    parse_args,
    pooled,
    ratios_per_round,
    server_cpu_lines,
    uvicorn_argv,
)
from bench.api.load import TRANSPORT_ERROR, LoadResult, build_request, percentile, read_response


def _result(name: str, ok: int, seconds: float, latencies: list[float], **statuses: int) -> LoadResult:
    counts: Counter[int] = Counter({200: ok})
    counts.update({int(k.removeprefix("s")): v for k, v in statuses.items()})
    return LoadResult(name, seconds, latencies, counts, client_cpu_s=seconds / 4)


def test_percentile_nearest_rank() -> None:
    values = [float(v) for v in range(100, 0, -1)]  # 1..100, unsorted
    assert percentile(values, 50) == 50
    assert percentile(values, 99) == 99
    assert percentile(values, 100) == 100
    assert percentile(values, 0) == 1
    assert percentile([7.0], 99) == 7.0
    assert math.isnan(percentile([], 50))
    with pytest.raises(ValueError):
        percentile(values, 101)


def test_load_result_counts_errors_apart_from_throughput() -> None:
    r = _result("t", 90, 2.0, [1.0] * 95, s429=5, s0=5)
    assert (r.requests, r.ok, r.errors) == (100, 90, 10)
    assert r.rps == 45
    assert r.client_cpu == 0.25
    assert r.statuses[TRANSPORT_ERROR] == 5
    assert r.error_summary() == "no response x5, 429x5"
    merged = r.merged(_result("t", 10, 1.0, [3.0] * 10))
    assert (merged.requests, merged.seconds, len(merged.latencies_ms)) == (110, 3.0, 105)


def test_build_request_is_http11_with_length() -> None:
    raw = build_request("POST", "127.0.0.1", 8000, "/v1/x", {"Authorization": "Bearer t"}, b'{"a":1}')
    head, body = raw.split(b"\r\n\r\n")
    assert head.split(b"\r\n") == [
        b"POST /v1/x HTTP/1.1",
        b"Host: 127.0.0.1:8000",
        b"Authorization: Bearer t",
        b"Content-Length: 7",
    ]
    assert body == b'{"a":1}'
    assert b"Content-Length" not in build_request("GET", "h", 1, "/")


def _parse(data: bytes) -> tuple[int, bytes, bool]:
    async def go() -> tuple[int, bytes, bool]:
        reader = asyncio.StreamReader()
        reader.feed_data(data)
        reader.feed_eof()
        return await read_response(reader)

    return asyncio.run(go())


def test_read_response_length_chunked_and_close() -> None:
    assert _parse(b"HTTP/1.1 201 Created\r\ncontent-length: 2\r\n\r\n{}") == (201, b"{}", True)
    chunked = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;x=y\r\nde\r\n0\r\n\r\n"
    assert _parse(chunked) == (200, b"abcde", True)
    closing = b"HTTP/1.1 429 Too Many\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    assert _parse(closing) == (429, b"", False)
    assert _parse(b"HTTP/1.0 200 OK\r\n\r\nto the end") == (200, b"to the end", False)
    with pytest.raises(ValueError):
        _parse(b"SSH-2.0-OpenSSH\r\n\r\n")


def test_table_and_headlines() -> None:
    rounds = {
        "baseline": [_result("baseline: GET /constant", 2000, 1.0, [10.0]), _result("b", 1000, 1.0, [20.0])],
        "photo list": [_result("main: GET /v1/photos", 200, 1.0, [100.0]), _result("m", 200, 1.0, [120.0])],
    }
    assert ratios_per_round(rounds, "baseline") == {"photo list": [0.1, 0.2]}
    results = pooled(rounds)
    assert results["baseline"].rps == 1500
    table = format_table(results, "baseline").splitlines()
    assert len(table) == 4 and all(line.startswith("| ") or line.startswith("|-") for line in table)
    assert table[3].split("|")[-2].strip() == "0.133"  # (400 / 2 s) / (3000 / 2 s)
    lines = headline_lines(rounds, "baseline")
    assert lines[0] == "baseline req/s: 1500"
    assert lines[-2] == "photo list rps ratio per round: 0.100, 0.200"
    assert lines[-1] == "photo list rps ratio: 0.133"


def test_uvicorn_argv_and_defaults() -> None:
    argv = uvicorn_argv("api.apps.main:create_app", 1234, 2, factory=True)
    assert argv[:4] == ["-m", "uvicorn", "api.apps.main:create_app", "--factory"]
    assert {"--port=1234", "--workers=2", "--proxy-headers", "--no-server-header", "--no-access-log"} <= set(
        argv
    )
    assert "--factory" not in uvicorn_argv("bench.api.baseline:app", 1, 1, factory=False)
    args = parse_args([])
    assert args.duration * args.rounds * 3 + args.warmup * 3 <= 120  # a few minutes at most
    with pytest.raises(SystemExit):
        parse_args(["--workers", "0"])
    assert parse_args([]).only is None and parse_args(["--only", "upload-url"]).only == "upload-url"
    with pytest.raises(SystemExit):
        parse_args(["--only", "constant"])


def test_server_cpu_per_request_and_ratio() -> None:
    spent = {"baseline": ({"app": 1.0}, 2000), "photo list": ({"app": 0.75, "Postgres": 0.25}, 500)}
    lines = server_cpu_lines(spent, "baseline")
    assert lines == [
        "baseline server CPU ms per request: 0.500 (app 0.500)",
        "photo list server CPU ms per request: 2.000 (app 1.500, Postgres 0.500)",
        "photo list CPU ratio: 0.250",
    ]

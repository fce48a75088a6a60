"""Two small servers the fault tests run as separate OS processes, so they can be killed and restarted:

- `proxy LISTEN TARGET`: a TCP forwarder on 127.0.0.1. The worker and its vision service reach
  storage through it; killing it is a storage outage as they see it (connections refused), while
  the S3 server behind it keeps its objects (moto keeps them in memory: it cannot be restarted).
- `vision PORT GATE_DIR`: the vision service's `/v1/analyze` contract with the real dlib analyzer
  (bench/pipeline/vision_server.py, see tests/fixtures/vision.py for why not Ray Serve), plus a gate
  (`VisionGate`): every request's keys are appended to GATE_DIR/requests.log, and while
  GATE_DIR/hold exists a request waits, so a test can catch a job in the middle of its vision call.

Run as `python -m tests.faults.servers proxy 9100 9000` or `... vision 8100 /tmp/gate`.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path

from bench.pipeline.vision_server import VisionServer

HOST = "127.0.0.1"
HOLD_MAX_S = 120.0  # a forgotten gate never holds a request longer than this


# --- TCP proxy --------------------------------------------------------------------------------


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
        if writer.can_write_eof():
            writer.write_eof()
    except OSError:
        pass


async def _forward(client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter, target: int) -> None:
    try:
        upstream_r, upstream_w = await asyncio.open_connection(HOST, target)
    except OSError:
        client_w.close()
        return
    try:
        await asyncio.gather(_pipe(client_r, upstream_w), _pipe(upstream_r, client_w))
    finally:
        for writer in (upstream_w, client_w):
            writer.close()


async def serve_proxy(listen: int, target: int) -> None:
    server = await asyncio.start_server(lambda r, w: _forward(r, w, target), HOST, listen, reuse_address=True)
    async with server:
        await server.serve_forever()


# --- gated vision server ----------------------------------------------------------------------


class VisionGate:
    """Called with each request's body before the vision server answers it (`before_request`)."""

    def __init__(self, gate_dir: Path) -> None:
        self.gate_dir = gate_dir

    def __call__(self, body: bytes) -> None:
        keys = [str(item.get("key")) for item in json.loads(body).get("items", [])]
        with (self.gate_dir / "requests.log").open("a") as log:
            log.writelines(f"{key}\n" for key in keys)
        deadline = time.monotonic() + HOLD_MAX_S
        while (self.gate_dir / "hold").exists() and time.monotonic() < deadline:
            time.sleep(0.05)


def main(argv: list[str]) -> None:
    kind, port, arg = argv[0], int(argv[1]), argv[2]
    if kind == "proxy":
        asyncio.run(serve_proxy(port, int(arg)))
    elif kind == "vision":
        VisionServer(port, before_request=VisionGate(Path(arg))).serve_forever()
    else:
        raise SystemExit(f"unknown server {kind!r}: proxy or vision")


if __name__ == "__main__":
    main(sys.argv[1:])

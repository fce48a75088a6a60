"""Run the vision service locally: ``python -m vision.serve`` (Ray on this machine, HTTP on
``WAIRO_VISION_PORT`` (8000), Ray dashboard on ``WAIRO_VISION_DASHBOARD_PORT`` (8265; 0: none), Prometheus
metrics on ``WAIRO_VISION_METRICS_PORT`` (Ray's metrics export port; unset: one Ray picks))."""

from __future__ import annotations

import argparse
import logging
import signal
import threading
from types import FrameType


def main(argv: list[str] | None = None) -> int:
    from vision.config import VisionSettings

    settings = VisionSettings()
    parser = argparse.ArgumentParser(prog="python -m vision.serve", description=__doc__)
    parser.add_argument("--host", default=settings.host)
    parser.add_argument("--port", type=int, default=settings.port)
    parser.add_argument("--dashboard-port", type=int, default=settings.dashboard_port)
    parser.add_argument("--metrics-port", type=int, default=settings.metrics_port)
    parser.add_argument("--num-cpus", type=int, default=None, help="CPUs Ray may use (default: all)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    import ray
    from ray import serve

    from vision.serve.app import build_app

    ray.init(
        num_cpus=args.num_cpus,
        include_dashboard=args.dashboard_port != 0,
        dashboard_host="127.0.0.1",
        dashboard_port=args.dashboard_port or None,
        _metrics_export_port=args.metrics_port or None,
    )
    serve.start(http_options={"host": args.host, "port": args.port})
    serve.run(build_app(settings), name="vision", route_prefix="/")
    logging.getLogger("wairo.vision").info("vision service on http://%s:%d", args.host, args.port)

    stop = threading.Event()

    def _on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    stop.wait()
    serve.shutdown()
    ray.shutdown()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The vision service (Ray Serve on a local Ray) as a stack component."""

from __future__ import annotations

from wairo_dev.stack.components import HOST, _http_ok
from wairo_dev.stack.processes import Supervisor, wait_for


def start_vision(sup: Supervisor, port: int, dashboard_port: int) -> str:
    sup.env["WAIRO_VISION_PORT"] = str(port)
    sup.env["WAIRO_VISION_DASHBOARD_PORT"] = str(dashboard_port)
    child = sup.python("vision", ["-m", "vision.serve"])
    url = f"http://{HOST}:{port}"
    wait_for(lambda: _http_ok(f"{url}/healthz"), "the vision service (Ray Serve)", timeout_s=240, proc=child)
    return url

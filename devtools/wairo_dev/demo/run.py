"""`wairo-dev demo`: start the stack on the embedded defaults and tell an event's story over HTTP.

The story is a list of chapters; each takes the three API clients and a shared `state` dict (ids
and tokens earlier chapters produced) and prints its steps.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from wairo_dev.demo import accounts, attendee, backoffice, media
from wairo_dev.demo.client import Api, DemoError
from wairo_dev.stack.processes import StackError
from wairo_dev.stack.stack import Stack, StackConfig, print_endpoints

Chapter = Callable[[dict[str, Api], dict[str, Any]], None]
CHAPTERS: list[Chapter] = [
    accounts.platform,
    accounts.operator,
    backoffice.operator_setup,
    media.photographer_uploads,
    accounts.attendee,
    media.attendee_selfie,
    attendee.attendee_story,
    attendee.operator_rematch,
]


def main_demo(data_dir: Path) -> int:
    print("Starting the Wairo stack (embedded defaults)…", flush=True)
    stack = Stack(StackConfig.from_env(data_dir, with_vision=_vision_available()))
    try:
        endpoints = stack.start()
        print_endpoints(endpoints, stack.sup.log_dir)
        apis = {name: Api(name, endpoints[f"{name} API"]) for name in ("backoffice", "main", "media")}
        state: dict[str, Any] = {"endpoints": endpoints, "data_dir": data_dir}
        for chapter in CHAPTERS:
            chapter(apis, state)
    except (StackError, DemoError) as exc:
        print(f"\nwairo-dev demo failed: {exc}", file=sys.stderr)
        return 1
    finally:
        print("\nStopping the stack…", flush=True)
        stack.stop()
    print("Demo finished: the event story ran end to end.")
    return 0


def _vision_available() -> bool:
    try:
        import vision.serve  # noqa: F401
    except ImportError:
        return False
    return True

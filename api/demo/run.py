"""`wairo demo`: start the stack on the embedded defaults and tell an event's story over HTTP."""

from __future__ import annotations

import sys
import uuid
from pathlib import Path

from api.demo.client import Api, DemoError, chapter, step
from api.stack.processes import StackError
from api.stack.stack import Stack, StackConfig, print_endpoints


def run_story(apis: dict[str, Api]) -> None:
    backoffice, main, media = apis["backoffice"], apis["main"], apis["media"]
    run = uuid.uuid4().hex[:6]

    chapter("Platform")
    for name, api in apis.items():
        ready = api.call("GET", "/readyz")
        step(f"{name} API ready: {ready['checks']}")

    chapter("Operator")
    operator_email = f"studio-{run}@example.com"
    op_token = backoffice.call(
        "POST",
        "/v1/auth/register",
        json={
            "name": "Lumen Studio",
            "email": operator_email,
            "password": "studio-pass-1",
            "timezone": "Europe/Paris",
        },
        expect=201,
    )["token"]
    step(f"operator {operator_email} signed up")
    backoffice.call("POST", "/v1/auth/login", json={"email": operator_email, "password": "studio-pass-1"})
    step("operator logged in")
    photographer_email = f"ana-{run}@example.com"
    photographer = backoffice.call(
        "POST",
        "/v1/auth/register-photographer",
        token=op_token,
        json={"name": "Ana Lens", "email": photographer_email, "password": "ana-pass-12"},
        expect=201,
    )
    step(f"photographer {photographer['name']} registered ({photographer['id']})")
    backoffice.call("POST", "/v1/auth/login", json={"email": photographer_email, "password": "ana-pass-12"})
    step("photographer logged in")

    chapter("Attendee")
    user_email = f"guest-{run}@example.com"
    main.call(
        "POST",
        "/v1/auth/register",
        json={"name": "Guest One", "email": user_email, "password": "guest-pass-1"},
        expect=201,
    )
    step(f"attendee {user_email} registered")
    main.call("POST", "/v1/auth/login", json={"email": user_email, "password": "guest-pass-1"})
    step("attendee logged in")
    _ = media


def main_demo(data_dir: Path) -> int:
    print("Starting the Wairo stack (embedded defaults)…", flush=True)
    stack = Stack(StackConfig.from_env(data_dir, with_vision=_vision_available()))
    try:
        endpoints = stack.start()
        print_endpoints(endpoints, stack.sup.log_dir)
        apis = {name: Api(name, endpoints[f"{name} API"]) for name in ("backoffice", "main", "media")}
        run_story(apis)
    except (StackError, DemoError) as exc:
        print(f"\nwairo demo failed: {exc}", file=sys.stderr)
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

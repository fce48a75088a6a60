"""HTTP helpers of the tests: auth headers, the uniform error body, presigned PUTs and polling."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def assert_error(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    """The uniform JSON error body with the expected status (and code)."""
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert set(body) == {"error", "requestId"}, body
    assert body["error"]["message"]
    if code:
        assert body["error"]["code"] == code, body
    return body


def put(url: str, data: bytes, content_type: str) -> httpx.Response:
    """A PUT of `data` to a presigned URL."""
    return httpx.put(url, content=data, headers={"Content-Type": content_type}, timeout=30)


def wait_until(check: Callable[[], Any], timeout_s: float = 90.0, what: str = "condition") -> Any:
    """Poll `check` until it returns something truthy (returned), or fail after `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.3)
    raise AssertionError(f"timed out after {timeout_s:.0f}s waiting for {what}")

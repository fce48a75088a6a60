"""A small HTTP client for the demo: prints each step and fails loudly on an unexpected status."""

from __future__ import annotations

from typing import Any

import httpx


class DemoError(RuntimeError):
    pass


class Api:
    def __init__(self, name: str, base_url: str) -> None:
        self.name = name
        self.http = httpx.Client(base_url=base_url, timeout=30)

    def call(
        self, method: str, path: str, *, token: str | None = None, expect: int = 200, **kwargs: Any
    ) -> Any:
        """The JSON body of a response with the status expected (DemoError otherwise)."""
        response = self.fetch(method, path, token=token, expect=expect, **kwargs)
        return response.json() if response.content else None

    def fetch(
        self, method: str, path: str, *, token: str | None = None, expect: int = 200, **kwargs: Any
    ) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = self.http.request(method, path, headers=headers, **kwargs)
        if response.status_code != expect:
            raise DemoError(
                f"{self.name} {method} {path}: expected {expect}, got {response.status_code}: {response.text}"
            )
        return response


def step(message: str) -> None:
    print(f"  • {message}", flush=True)


def chapter(title: str) -> None:
    print(f"\n== {title}", flush=True)

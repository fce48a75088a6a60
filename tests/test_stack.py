"""`wairo-dev up` as it runs: every component a real process, the three APIs answering /readyz."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import httpx
import pytest

from wairo_dev.stack.processes import StackError, free_port
from wairo_dev.stack.stack import Stack, StackConfig


def _config(data_dir: Path) -> StackConfig:
    return StackConfig(
        data_dir=data_dir,
        s3_port=free_port(),
        broker_port=free_port(),
        stripe_port=free_port(),
        backoffice_port=free_port(),
        main_port=free_port(),
        media_port=free_port(),
        with_vision=False,
    )


@pytest.fixture
def isolated_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in ("DATABASE_URL", "S3_ENDPOINT", "BROKER_URL", "STRIPE_API_BASE", "VISION_URL"):
        monkeypatch.delenv(f"WAIRO_{key}", raising=False)
    # The stack exports the URLs it starts into this process's environment; restore them afterwards.
    for key, value in os.environ.items():
        if key.startswith("WAIRO_"):
            monkeypatch.setenv(key, value)


def test_up_starts_everything_and_all_apis_are_ready(tmp_path: Path, isolated_env: None) -> None:
    stack = Stack(_config(tmp_path))
    try:
        endpoints = stack.start()
        assert {"postgres", "s3", "broker", "stripe", "worker"} <= set(endpoints)
        for name in ("backoffice", "main", "media"):
            ready = httpx.get(f"{endpoints[f'{name} API']}/readyz", timeout=10)
            assert ready.status_code == 200, ready.text
            assert ready.json()["checks"] == {"database": "ok", "storage": "ok", "broker": "ok"}
        assert not stack.sup.dead(), "a component exited"
        names = {child.name for child in stack.sup.children}
        assert {"s3", "stripe", "worker", "beat", "api-backoffice", "api-main", "api-media"} <= names
    finally:
        stack.stop()
    assert all(child.popen.poll() is not None for child in stack.sup.children) or not stack.sup.children


def test_up_refuses_a_taken_port(tmp_path: Path, isolated_env: None) -> None:
    config = _config(tmp_path)
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", config.main_port))
        blocker.listen()
        stack = Stack(config)
        with pytest.raises(StackError, match=f"port {config.main_port} for the main API is already in use"):
            stack.start()

"""Fixtures of the metrics tests (the processes they start come from `sup`, tests/fixtures/stack.py)."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def multiproc_dir(tmp_path: Path) -> Path:
    """An empty PROMETHEUS_MULTIPROC_DIR, shared by a test's processes as a pod's emptyDir."""
    path = tmp_path / "prometheus"
    path.mkdir()
    return path

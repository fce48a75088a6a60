"""Fixtures of the fault tests: one dedicated stack of real processes for the whole directory
(tests/faults/harness.py), checked healthy before each test, a tenant in it, and HTTP clients of its
APIs (in place of the suite's test clients of the same names). The flows the tests drive through
them are in tests/faults/flows.py."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.factories import Factory, Tenant
from tests.faults.harness import FaultStack


@pytest.fixture(scope="package")
def stack() -> Iterator[FaultStack]:
    # Not pytest's tmp_path: Postgres runs as another OS user when we are root (see tests/fixtures/stack.py).
    data_dir = Path(tempfile.mkdtemp(prefix="wairo-faults-"))
    data_dir.chmod(0o755)
    faults = FaultStack(data_dir)
    try:
        yield faults.start()
    finally:
        try:
            faults.stop()
        finally:
            shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture
def faults(stack: FaultStack) -> FaultStack:
    """The stack, with every component running and no vision request held."""
    stack.ensure_healthy()
    return stack


@pytest.fixture
def tenant(faults: FaultStack) -> Tenant:
    with faults.db() as session:
        return Factory(session).tenant()


@pytest.fixture
def media(faults: FaultStack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=faults.media_url, timeout=30) as client:
        yield client


@pytest.fixture
def main_api(faults: FaultStack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=faults.main_url, timeout=30) as client:
        yield client

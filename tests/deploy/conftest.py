"""The deployables' fresh venvs (tests/deploy/venvs.py), built in parallel once per session: the
first test that asks for one starts the builds of every deployable whose `test_<name>_install` is
selected."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.deploy.dockerfiles import INSTALLS
from tests.deploy.venvs import Venv, build


@pytest.fixture(scope="session")
def deploy_venv(request: pytest.FixtureRequest) -> Iterator[Callable[[str], Venv]]:
    base = Path(tempfile.mkdtemp(prefix="wairo-deploy-"))
    pool = ThreadPoolExecutor(len(INSTALLS), thread_name_prefix="venv")
    futures: dict[str, Future[Venv]] = {}
    selected = {getattr(item, "originalname", item.name) for item in request.session.items}

    def get(name: str) -> Venv:
        if not futures:
            wanted = {n for n in INSTALLS if f"test_{n}_install" in selected} | {name}
            futures.update({n: pool.submit(build, INSTALLS[n], base / n) for n in sorted(wanted)})
        if name not in futures:
            futures[name] = pool.submit(build, INSTALLS[name], base / name)
        return futures[name].result()

    yield get
    pool.shutdown(wait=True, cancel_futures=True)
    shutil.rmtree(base, ignore_errors=True)

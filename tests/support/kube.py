"""The operator tests' cluster: a kmock Kubernetes emulator, a moto S3 server and the real kopf
operator loop (their fixtures are in tests/fixtures/kube.py).

kmock (the Kubernetes API emulator by kopf's author) runs in its own thread and event loop; the
operator runs `kopf.operator()` in another thread against the emulator's URL, exactly as it would
against a cluster. Tests talk to the emulator over HTTP with the official kubernetes client.

Known gaps of kmock 0.8 and the workarounds used here:

* Paths of the cluster-scoped core resource `namespaces` are parsed as a namespace, not a resource:
  ``POST /api/v1/namespaces`` crashes and ``GET /api/v1/namespaces/<name>`` is not a fetch.
  Workaround: `parse_path` below is patched in (`namespaces_as_resources`) to parse those paths as
  the `namespaces` resource.
* metadata.generation is neither assigned nor bumped on spec changes: test objects start at
  generation 1 (status.observedGeneration is asserted on that).
* metadata.uid is never assigned: owner references built by kopf.adopt() would carry uid=None,
  which the kubernetes client refuses to deserialize. Workaround: test objects carry a uid.
* resourceVersion is never assigned or bumped. Kopf JSON-patches finalizers with a
  ``test /metadata/resourceVersion`` operation, which fails without one. Workaround: every object
  created in the tests carries ``metadata.resourceVersion`` (constant, which kopf's consistency
  check accepts since patches return the same value).
* Creations answer 200, not 201; the generated kubernetes client decodes only a 201 body for
  `create_cluster_custom_object` (it returns None otherwise). ProjectCRClient.create reads the
  object back in that case.
* The emulator has no namespaces, only a flat store: the operator runs cluster-wide (`clusterwide`)
  and standalone (no peering resources), as it does in the chart.
* Events created without a name (`generateName`) collide: posting of k8s Events is disabled in the
  tests (the operator logs them anyway).
* No garbage collection, no admission, no CRD schema validation (the CRD is validated separately
  against its own openAPIV3Schema in tests/chart), patches are plain JSON merges.
* The kmock pytest plugin needs pytest-asyncio; these fixtures do not use it (they run the
  emulator in a thread), so the suite also runs with ``-p no:kmock``.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import boto3
import kmock
import kopf
import pytest
from kmock._internal import parsing  # no public API for the path parser patched below
from kubernetes import client

from wairo_operator.handlers import ProjectOperator

KMOCK_PARSE_PATH = parsing.parse_path


def parse_path(path: str) -> parsing.ParsedPath:
    """kmock's path parser, fixed for the cluster-scoped `namespaces` resource (see module doc)."""
    parts = path.strip("/").split("/")
    if parts[:3] == ["api", "v1", "namespaces"] and (
        len(parts) <= 4 or (len(parts) == 5 and parts[4] in {"status", "finalize"})
    ):
        return parsing.ParsedPath(
            group="",
            version="v1",
            plural="namespaces",
            namespace=None,
            name=parts[3] if len(parts) > 3 else None,
            subresource=parts[4] if len(parts) > 4 else None,
        )
    return KMOCK_PARSE_PATH(path)


@contextmanager
def namespaces_as_resources() -> Iterator[None]:
    """kmock's path parser replaced by `parse_path` meanwhile."""
    patcher = pytest.MonkeyPatch()
    patcher.setattr(parsing, "parse_path", parse_path)
    try:
        yield
    finally:
        patcher.undo()


RESOURCES: dict[str, kmock.ResourceInfo] = {
    "wairo.io/v1alpha1/projects": kmock.ResourceInfo(
        kind="Project",
        singular="project",
        namespaced=False,
        shortnames={"wproj"},
        subresources={"status"},
        verbs={"get", "list", "watch", "create", "patch", "update", "delete"},
    ),
    "v1/namespaces": kmock.ResourceInfo(kind="Namespace", singular="namespace", namespaced=False),
    "v1/resourcequotas": kmock.ResourceInfo(kind="ResourceQuota", namespaced=True),
    "v1/limitranges": kmock.ResourceInfo(kind="LimitRange", namespaced=True),
    "v1/secrets": kmock.ResourceInfo(kind="Secret", namespaced=True),
    "v1/events": kmock.ResourceInfo(kind="Event", namespaced=True),
    "apps/v1/deployments": kmock.ResourceInfo(kind="Deployment", namespaced=True),
}


class KubeEmulator:
    """kmock's KubernetesEmulator served on a free port from a background thread."""

    def __init__(self) -> None:
        self.url = ""
        self._ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=lambda: asyncio.run(self._main()), daemon=True)

    async def _main(self) -> None:
        async with kmock.KubernetesEmulator() as emulator, kmock.Server(emulator) as server:
            for key, info in RESOURCES.items():
                emulator.resources[key] = info
            self.url = str(server.url).rstrip("/")
            self._loop = asyncio.get_running_loop()
            self._stop = asyncio.Event()
            self._ready.set()
            await self._stop.wait()

    def start(self) -> None:
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("kmock did not start")

    def stop(self) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(10)

    def api_client(self) -> client.ApiClient:
        configuration = client.Configuration()
        configuration.host = self.url
        return client.ApiClient(configuration)


@contextmanager
def running_emulator() -> Iterator[KubeEmulator]:
    """A started emulator, with kmock's path parser fixed (`namespaces_as_resources`), for the block."""
    with namespaces_as_resources():
        emulator = KubeEmulator()
        emulator.start()
        try:
            yield emulator
        finally:
            emulator.stop()


class OperatorThread:
    """The real kopf operator loop (`kopf.operator`) in a thread, pointed at the emulator."""

    def __init__(self, operator: ProjectOperator, server_url: str) -> None:
        self.registry = kopf.OperatorRegistry()
        operator.register(self.registry)

        @kopf.on.startup(registry=self.registry)
        def _test_settings(settings: kopf.OperatorSettings, **_: Any) -> None:
            settings.posting.enabled = False  # see the module doc: unnamed Events collide in kmock
            settings.watching.server_timeout = 10
            settings.watching.reconnect_backoff = 0.1
            settings.queueing.idle_timeout = 0.5
            settings.scanning.disabled = True

        @kopf.on.login(registry=self.registry)
        def _login(**_: Any) -> kopf.ConnectionInfo:
            return kopf.ConnectionInfo(server=server_url, insecure=True)

        self._stop = threading.Event()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        asyncio.run(
            kopf.operator(
                registry=self.registry,
                clusterwide=True,
                standalone=True,
                stop_flag=self._stop,
                ready_flag=self._ready,
            )
        )

    def start(self) -> None:
        self._thread.start()
        if not self._ready.wait(20):
            raise RuntimeError("the operator did not start")

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(20)


@dataclass
class S3Server:
    endpoint: str

    def client(self) -> Any:
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )


def wait_for(predicate: Callable[[], Any], timeout: float = 20.0, interval: float = 0.2) -> Any:
    """Poll until `predicate()` is truthy; returns its value or fails the test with the last one."""
    deadline = time.monotonic() + timeout
    value = predicate()
    while not value and time.monotonic() < deadline:
        time.sleep(interval)
        value = predicate()
    if not value:
        pytest.fail(f"condition not met within {timeout}s")
    return value

"""Prometheus metrics of the Celery worker: jobs by task and outcome with their duration and the
depth of the queues it consumes; its exporter also serves the domains' own (the photo time-to-ready
histogram of api/processing/metrics.py).

`connect_signals()` (api/jobs/worker.py) connects Celery's signals: every task run, in the pool
process that runs it, ends as one `wairo_jobs_total{task, outcome}` (success, retry, failure, ...)
and one duration sample. With `WAIRO_WORKER_METRICS_PORT` set the worker's main process serves them
on that port (`/metrics`, prometheus_client's HTTP exporter) before the pool starts; the pool's
processes are others, so the prefork pool needs `PROMETHEUS_MULTIPROC_DIR` (api/core/metrics.py):
the main process empties it at start, each child writes its samples there, the exporter sums them.
The queue depth is read from the broker at scrape time (one passive declare per consumed queue: the
Redis/Valkey transport's list length, all priorities), so every replica reports the same figure.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from celery import Celery, Task, signals
from kombu.exceptions import ChannelError
from prometheus_client import Counter, Histogram, multiprocess, start_http_server
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from api.core.metrics import SECONDS_BUCKETS, multiprocess_dir, scrape_registry
from api.settings import get_settings

log = logging.getLogger("wairo.jobs")

JOBS = Counter("wairo_jobs", "Task runs by task name and outcome (Celery state).", ("task", "outcome"))
JOB_SECONDS = Histogram(
    "wairo_job_duration_seconds",
    "Time one task run took, by task name and outcome.",
    ("task", "outcome"),
    buckets=(*SECONDS_BUCKETS, 30.0, 60.0, 300.0, 900.0),
)

QUEUE_DEPTH = "wairo_queue_depth"  # a gauge of QueueDepthCollector, read at scrape time

_started: dict[str, float] = {}  # task id -> perf_counter at prerun (per process)


def _prerun(task_id: str, **_: Any) -> None:
    _started[task_id] = time.perf_counter()


def _postrun(task_id: str, task: Task, state: str | None = None, **_: Any) -> None:
    started = _started.pop(task_id, None)
    outcome = (state or "unknown").lower()
    JOBS.labels(task.name, outcome).inc()
    if started is not None:
        JOB_SECONDS.labels(task.name, outcome).observe(time.perf_counter() - started)


class QueueDepthCollector(Collector):
    """`wairo_queue_depth{queue}`: messages waiting in each queue the worker consumes, read from the
    broker at scrape time (a broker that does not answer leaves the gauge out of that scrape)."""

    def __init__(self, app: Celery, queues: Iterable[str]) -> None:
        self.app = app
        self.queues = sorted(queues)

    def describe(self) -> Iterator[GaugeMetricFamily]:
        """What it serves, without asking the broker (the registry asks at registration)."""
        yield _queue_depth()

    def collect(self) -> Iterator[GaugeMetricFamily]:
        gauge = _queue_depth()
        try:
            with self.app.connection_for_read() as conn:
                conn.ensure_connection(max_retries=1, timeout=2)
                for queue in self.queues:
                    gauge.add_metric([queue], float(_depth(conn, queue)))
        except Exception as exc:  # a scrape never fails for the broker; the gauge is absent
            log.warning("queue depth unavailable: %r", exc)
            return
        yield gauge


def _queue_depth() -> GaugeMetricFamily:
    return GaugeMetricFamily(QUEUE_DEPTH, "Messages waiting in the queue.", labels=["queue"])


def _depth(conn: Any, queue: str) -> int:
    channel = conn.channel()
    try:
        return int(channel.queue_declare(queue=queue, passive=True).message_count)
    except ChannelError:  # Redis/Valkey: an empty queue has no key
        return 0
    finally:
        channel.close()


def _start_exporter(sender: Any, **_: Any) -> None:
    """In the worker's main process (`worker_init`, before the pool starts)."""
    port = get_settings().worker_metrics_port
    if not port:
        return
    directory = multiprocess_dir()
    if directory is not None:
        for stale in Path(directory).glob("*.db"):  # an earlier run's (a restarted container)
            stale.unlink()
    registry = scrape_registry()
    registry.register(QueueDepthCollector(sender.app, sender.app.amqp.queues.consume_from))
    start_http_server(port, registry=registry)


def _child_exited(pid: int, **_: Any) -> None:
    if multiprocess_dir() is not None:
        multiprocess.mark_process_dead(pid)


def connect_signals() -> None:
    """Connect the handlers to Celery's signals (global to the process; once, whoever calls)."""
    signals.task_prerun.connect(_prerun, dispatch_uid="wairo.metrics.prerun", weak=False)
    signals.task_postrun.connect(_postrun, dispatch_uid="wairo.metrics.postrun", weak=False)
    signals.worker_process_shutdown.connect(_child_exited, dispatch_uid="wairo.metrics.child", weak=False)
    signals.worker_init.connect(_start_exporter, dispatch_uid="wairo.metrics.exporter", weak=False)

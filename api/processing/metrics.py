"""Metrics of the media pipeline, recorded in the worker's pool processes and served by its exporter
(api/jobs/metrics.py). Not in api/jobs: the API processes import that package, and an unlabelled
histogram shows (as zeros) in every process that defines it."""

from __future__ import annotations

from datetime import UTC, datetime

from prometheus_client import Histogram

TIME_TO_READY = Histogram(
    "wairo_photo_time_to_ready_seconds",
    "Time from a photo's creation (its upload URL) to `ready`.",
    buckets=(1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0, 4 * 3600.0),
)


def photo_ready(created_at: datetime) -> None:
    """A photo became `ready` (api/processing/pipeline.py `finish_photo`, once per photo)."""
    TIME_TO_READY.observe(max((datetime.now(UTC) - created_at).total_seconds(), 0.0))

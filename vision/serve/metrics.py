"""Metrics of the model replicas, through `ray.serve.metrics`, so that they join Ray's own exporter:
each Ray node's metrics agent serves the samples of the replicas on that node on its metrics export
port (`ray start --metrics-export-port`, the chart's `metrics.visionPort`; `ray.init(
_metrics_export_port=...)` locally), a few seconds after they are recorded, with Ray's `ray_`
prefix (`ray_wairo_vision_batch_size_bucket`) and Serve's tags (deployment, replica, application).

Created in the replica (`FaceModel.__init__`): Serve adds its tags only inside a replica. Ray
exports a histogram's buckets and count exactly but its `_sum` from the buckets' midpoints (an
approximation): read these through their buckets (`histogram_quantile`), not sum / count.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from ray.serve.metrics import Counter, Histogram

from wairo_contracts.vision import AnalyzeResult

P = ParamSpec("P")
R = TypeVar("R")

BATCH_SIZE = "wairo_vision_batch_size"
INFERENCE_SECONDS = "wairo_vision_inference_seconds"
FACES_PER_PHOTO = "wairo_vision_faces_per_photo"
ITEMS = "wairo_vision_items"
FACES_BOUNDARIES = [0.5, 1, 2, 3, 5, 8, 13, 21, 34, 55]  # Ray's boundaries are > 0: le=0.5 is "none"


class ReplicaMetrics:
    """One model replica's metrics, tagged with its backend (`dlib`, `insightface`)."""

    def __init__(self, backend: str) -> None:
        tags = ("backend",)
        self._batch_size = Histogram(
            BATCH_SIZE,
            "Items in one Serve batch (gathered across requests, before de-duplication).",
            [1, 2, 4, 8, 16, 32, 64, 128],
            tags,
        )
        self._inference = Histogram(
            INFERENCE_SECONDS,
            "Time the analyzer took over one batch's images (in the inference thread).",
            [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
            tags,
        )
        self._faces = Histogram(FACES_PER_PHOTO, "Faces found in one analysed image.", FACES_BOUNDARIES, tags)
        # Ray annotates tag_keys as a 1-tuple; any tuple of names is accepted.
        outcome_tags: tuple[str] = (*tags, "outcome")  # type: ignore[assignment]
        self._items = Counter(ITEMS, "Analysed items by outcome (ok, or the error kind).", outcome_tags)
        for metric in (self._batch_size, self._inference, self._faces, self._items):
            metric.set_default_tags({"backend": backend})

    def batch(self, size: int) -> None:
        self._batch_size.observe(size)

    def timed(self, fn: Callable[P, R]) -> Callable[P, R]:
        """`fn`, each call of it observed as one inference."""

        def run(*args: P.args, **kwargs: P.kwargs) -> R:
            started = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self._inference.observe(time.perf_counter() - started)

        return run

    def results(self, results: list[AnalyzeResult]) -> None:
        """The outcome of each unique item of a batch, and the faces of those analysed."""
        for result in results:
            self._items.inc(tags={"outcome": (result.error_kind or "error") if result.error else "ok"})
            if result.ok:
                self._faces.observe(len(result.faces))

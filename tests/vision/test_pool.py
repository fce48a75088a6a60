"""Inference threads from configuration: one analyzer per thread, never shared by two calls."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import pytest

from vision.config import VisionSettings
from vision.models import AnalyzerPool, FaceAnalyzer, create_analyzer_pool
from vision.types import Face, ImageArray


class _Recording(FaceAnalyzer):
    """Counts its loads and fails if two threads are inside `analyze` at once."""

    backend, model_name, embedding_dim = "fake", "fake", 4

    def __init__(self) -> None:
        self.loads = 0
        self.busy = threading.Lock()
        self.calls = 0

    def load(self) -> None:
        self.loads += 1

    def analyze(self, images: Sequence[ImageArray]) -> list[list[Face]]:
        if not self.busy.acquire(blocking=False):
            raise AssertionError("two threads in one analyzer")
        try:
            self.calls += 1
            time.sleep(0.01)
            return [[] for _ in images]
        finally:
            self.busy.release()


def test_inference_threads_come_from_configuration() -> None:
    assert VisionSettings(backend="dlib", max_concurrent_batches=3, num_cpus=8).inference_threads() == 3
    assert VisionSettings(backend="dlib", num_cpus=4).inference_threads() == 4  # the replica's CPUs
    assert VisionSettings(backend="dlib", num_cpus=0.5).inference_threads() == 1
    assert VisionSettings(backend="insightface", num_cpus=8).inference_threads() == 1  # onnxruntime threads
    with pytest.raises(ValueError):
        VisionSettings(max_concurrent_batches=0)


def test_the_environment_sets_the_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WAIRO_VISION_NUM_CPUS", "2")
    assert VisionSettings().inference_threads() == 2
    monkeypatch.setenv("WAIRO_VISION_MAX_CONCURRENT_BATCHES", "5")
    assert VisionSettings().inference_threads() == 5


def test_the_pool_has_one_analyzer_per_thread_of_the_settings() -> None:
    pool = create_analyzer_pool(VisionSettings(backend="dlib", max_concurrent_batches=3))
    assert pool.size == 3 and len({id(a) for a in pool.analyzers}) == 3


def test_concurrent_calls_each_take_their_own_analyzer() -> None:
    pool = AnalyzerPool(_Recording, 3)
    pool.load()
    with ThreadPoolExecutor(6) as threads:
        results = list(threads.map(lambda _: pool.analyze([None, None]), range(30)))  # type: ignore[list-item]
    assert results == [[[], []]] * 30
    analyzers = [a for a in pool.analyzers if isinstance(a, _Recording)]
    assert [a.loads for a in analyzers] == [1, 1, 1]
    assert sum(a.calls for a in analyzers) == 30


def test_an_analyzer_that_raises_goes_back_to_the_pool() -> None:
    class Failing(_Recording):
        def analyze(self, images: Sequence[ImageArray]) -> list[list[Face]]:
            raise RuntimeError("boom")

    pool = AnalyzerPool(Failing, 1)
    for _ in range(3):  # a lost analyzer would block the second call for ever
        with pytest.raises(RuntimeError):
            pool.analyze([])
    with pytest.raises(ValueError):
        AnalyzerPool(Failing, 0)

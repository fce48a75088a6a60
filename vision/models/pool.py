"""A fixed set of analyzers shared by a replica's inference threads, one analyzer per call at a
time: dlib's detector and network keep state between the stages of a call, so two threads never
use the same one; each call takes a free analyzer and gives it back."""

from __future__ import annotations

import queue
from collections.abc import Callable, Sequence

from vision.models.base import FaceAnalyzer
from vision.types import Face, ImageArray


class AnalyzerPool:
    def __init__(self, factory: Callable[[], FaceAnalyzer], size: int) -> None:
        if size < 1:
            raise ValueError("an analyzer pool needs at least one analyzer")
        self.analyzers = [factory() for _ in range(size)]
        self._free: queue.SimpleQueue[FaceAnalyzer] = queue.SimpleQueue()
        for analyzer in self.analyzers:
            self._free.put(analyzer)

    @property
    def size(self) -> int:
        return len(self.analyzers)

    def load(self) -> None:
        for analyzer in self.analyzers:
            analyzer.load()

    def analyze(self, images: Sequence[ImageArray]) -> list[list[Face]]:
        """`FaceAnalyzer.analyze` on a free analyzer (waits for one when all are busy)."""
        analyzer = self._free.get()
        try:
            return analyzer.analyze(images)
        finally:
            self._free.put(analyzer)

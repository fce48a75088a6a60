"""A hot folder (`--watch`, tethered shooting): the folders are polled, and a new file is handed
over once its size is the same at two polls in a row (the camera software has finished writing)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from pathlib import Path

from wairo_client import files


class HotFolder:
    def __init__(self, paths: Iterable[Path], seen: Iterable[Path]) -> None:
        self.paths = list(paths)
        self.seen = set(seen)  # handed over already (or there before the watch)
        self._sizes: dict[Path, int] = {}  # new files -> size at the last poll

    def poll(self) -> list[Path]:
        """The new files whose size did not change since the previous poll."""
        stable = []
        current: dict[Path, int] = {}
        for path in files.walk(self.paths):
            if path in self.seen:
                continue
            try:
                size = path.stat().st_size
            except OSError:
                continue  # removed meanwhile
            if size > 0 and self._sizes.get(path) == size:
                stable.append(path)
                self.seen.add(path)
            else:
                current[path] = size
        self._sizes = current
        return stable

    def run(self, interval_s: float, stop: threading.Event, submit: Callable[[Path], None]) -> None:
        while not stop.wait(interval_s):
            for path in self.poll():
                submit(path)

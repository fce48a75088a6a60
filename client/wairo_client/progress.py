"""Progress of a run: on a terminal, a bar per file being sent and one overall, with bytes/s and
ETA, redrawn in place; elsewhere (a log, a pipe, a test) one plain line per finished file. Both end
with the same summary. Called from the upload threads (one lock)."""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path
from typing import TextIO

from wairo_client.uploader import Outcome

BAR = 24
REDRAW_S = 0.1


def human(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    raise AssertionError("unreachable")


def _bar(done: int, total: int) -> str:
    filled = BAR * min(done, total) // total if total else BAR
    return "#" * filled + "-" * (BAR - filled)


def _eta(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes}:{secs:02d}"


class Progress:
    def __init__(self, out: TextIO = sys.stdout, tty: bool | None = None) -> None:
        self.out = out
        self.tty = out.isatty() if tty is None else tty
        self.outcomes: list[Outcome] = []
        self._lock = threading.Lock()
        self._total = 0  # bytes of the files queued so far
        self._sent = 0
        self._active: dict[Path, tuple[int, int]] = {}  # path -> (sent, size)
        self._started = time.monotonic()
        self._drawn_lines = 0
        self._last_draw = 0.0

    def queued(self, size: int) -> None:
        with self._lock:
            self._total += size

    def sent(self, path: Path, n: int) -> None:
        with self._lock:
            if path not in self._active:
                self._active[path] = (0, path.stat().st_size)
            done, size = self._active[path]
            self._active[path] = (done + n, size)
            self._sent += n
            if self.tty and time.monotonic() - self._last_draw >= REDRAW_S:
                self._draw()

    def finished(self, outcome: Outcome) -> None:
        with self._lock:
            self.outcomes.append(outcome)
            done, _ = self._active.pop(outcome.path, (0, outcome.size))
            self._sent += max(0, outcome.size - done)  # skipped or failed: nothing more to send
            line = f"{outcome.status:<8} {outcome.path}  {human(outcome.size)}"
            line += f"  {outcome.detail}" if outcome.status != "uploaded" else ""
            self._clear()
            print(line, file=self.out, flush=True)
            if self.tty:
                self._draw()

    def _rate(self) -> float:
        return self._sent / max(time.monotonic() - self._started, 1e-3)

    def _draw(self) -> None:
        self._clear()
        lines = [
            f"  {_bar(done, size)} {human(done):>9}/{human(size):<9} {path.name}"
            for path, (done, size) in list(self._active.items())[:8]
        ]
        rate = self._rate()
        left = max(self._total - self._sent, 0)
        eta = _eta(left / rate) if rate > 0 else "--:--"
        lines.append(
            f"{_bar(self._sent, self._total)} {human(self._sent)}/{human(self._total)} "
            f"{len(self.outcomes)} done  {human(rate)}/s  ETA {eta}"
        )
        self.out.write("\n".join(lines) + "\n")
        self.out.flush()
        self._drawn_lines, self._last_draw = len(lines), time.monotonic()

    def _clear(self) -> None:
        if self._drawn_lines:
            self.out.write(f"\x1b[{self._drawn_lines}F\x1b[J")  # up to the first bar line, erase below
            self._drawn_lines = 0

    def summary(self) -> bool:
        """Print the summary; whether everything went through (nothing failed)."""
        with self._lock:
            self._clear()
            count = {
                s: [o for o in self.outcomes if o.status == s] for s in ("uploaded", "skipped", "failed")
            }
            sent = sum(o.size for o in count["uploaded"])
            elapsed = time.monotonic() - self._started
            print(
                f"summary: {len(count['uploaded'])} uploaded ({human(sent)} in {elapsed:.1f}s), "
                f"{len(count['skipped'])} skipped, {len(count['failed'])} failed",
                file=self.out,
            )
            for outcome in count["failed"]:
                print(f"  failed {outcome.path}: {outcome.detail}", file=self.out)
            self.out.flush()
            return not count["failed"]

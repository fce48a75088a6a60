"""The progress display: bars with bytes/s and ETA on a terminal, plain lines elsewhere, and the
summary's counts and reasons (the exit code follows what it answers)."""

from __future__ import annotations

import io
from pathlib import Path

from wairo_client.progress import Progress
from wairo_client.uploader import Outcome


def _run(tmp_path: Path, tty: bool) -> tuple[str, bool]:
    a, b = tmp_path / "a.jpg", tmp_path / "b.jpg"
    a.write_bytes(b"x" * 4000)
    b.write_bytes(b"x" * 2000)
    out = io.StringIO()
    progress = Progress(out, tty=tty)
    progress.queued(4000)
    progress.queued(2000)
    progress.sent(a, 1000)
    progress.finished(Outcome(a, "uploaded", "photo-id", 4000))
    progress.finished(Outcome(b, "failed", "not a JPEG, PNG or WebP image", 2000))
    ok = progress.summary()
    return out.getvalue(), ok


def test_a_terminal_gets_bars_with_rate_and_eta(tmp_path: Path) -> None:
    text, ok = _run(tmp_path, tty=True)
    assert "a.jpg" in text and "/s  ETA " in text and "#" in text
    assert "\x1b[" in text  # redrawn in place
    assert not ok


def test_a_log_gets_one_line_per_file_and_the_summary(tmp_path: Path) -> None:
    text, ok = _run(tmp_path, tty=False)
    lines = text.splitlines()
    assert lines[0] == f"uploaded {tmp_path / 'a.jpg'}  4.0 KB"
    assert lines[1] == f"failed   {tmp_path / 'b.jpg'}  2.0 KB  not a JPEG, PNG or WebP image"
    assert lines[2].startswith("summary: 1 uploaded (4.0 KB in ") and lines[2].endswith("0 skipped, 1 failed")
    assert lines[3] == f"  failed {tmp_path / 'b.jpg'}: not a JPEG, PNG or WebP image"
    assert "\x1b[" not in text and not ok

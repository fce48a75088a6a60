"""The hot folder's rule on its own: a new file is handed over once its size is the same at two
polls in a row; files there before the watch, or handed over already, never again."""

from __future__ import annotations

from pathlib import Path

from wairo_client.watch import HotFolder


def test_a_new_file_is_handed_over_once_its_size_is_stable(tmp_path: Path) -> None:
    (tmp_path / "old.jpg").write_bytes(b"x" * 10)
    hot = HotFolder([tmp_path], seen=[tmp_path / "old.jpg"])
    assert hot.poll() == []
    new = tmp_path / "new.jpg"
    new.write_bytes(b"")
    assert hot.poll() == []  # empty: being created
    new.write_bytes(b"x" * 100)
    assert hot.poll() == []  # first seen at this size
    new.write_bytes(b"x" * 200)
    assert hot.poll() == []  # still growing
    assert hot.poll() == [new]  # the same size twice
    assert hot.poll() == []  # handed over once
    (tmp_path / "notes.txt").write_text("not an image suffix")
    (tmp_path / ".hidden.jpg").write_bytes(b"x" * 10)
    assert hot.poll() == [] and hot.poll() == []

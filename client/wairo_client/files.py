"""The files to upload: folders walked, the content type read from the file's first bytes, the
SHA-256 the media API deduplicates on."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from pathlib import Path

SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".webp"})
NOT_AN_IMAGE = "not a JPEG, PNG or WebP image"


def walk(paths: Iterable[Path]) -> Iterator[Path]:
    """Each file named, whatever its name (it is sniffed), and in each folder, recursively and in
    name order, the files with an image suffix (hidden files and folders left out)."""
    for path in paths:
        if path.is_dir():
            for found in sorted(path.rglob("*")):
                hidden = any(part.startswith(".") for part in found.relative_to(path).parts)
                if found.is_file() and found.suffix.lower() in SUFFIXES and not hidden:
                    yield found
        elif path.is_file():
            yield path


def sniff(head: bytes) -> str | None:
    """The content type of an image's first 12 bytes (JPEG, PNG, WebP), else None."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


def content_type(path: Path) -> str | None:
    with path.open("rb") as f:
        return sniff(f.read(12))


def sha256(path: Path, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def read_range(path: Path, offset: int, length: int, chunk: int = 256 * 1024) -> Iterator[bytes]:
    """`length` bytes of the file from `offset`, in chunks (a PUT's body, read as it is sent)."""
    with path.open("rb") as f:
        f.seek(offset)
        left = length
        while left > 0:
            block = f.read(min(chunk, left))
            if not block:
                return
            left -= len(block)
            yield block

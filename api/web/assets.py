"""The pages' static files (one CSS file, the ES modules and the icon in static/), under content-hashed URLs:
`/static/{digest}/{name}`, the digest one hash of every file, served with
`Cache-Control: public, max-age=31536000, immutable`.

Why hashed URLs rather than `no-cache` + ETag: a returning phone loads a page with no request for
its assets at all, where revalidation would cost a round trip per module, and ES module imports
make those a waterfall (a page's module, then the `api.mjs` it imports). One digest for the folder
keeps the modules' relative imports (`./api.mjs`) inside the same version, so a deploy never mixes
old and new modules. A URL of another digest (a page rendered before a deploy) still gets the
current file, marked `no-cache`."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

STATIC_DIR = Path(__file__).parent / "static"
STATIC_PREFIX = "/static"
IMMUTABLE = "public, max-age=31536000, immutable"
_TYPES = {
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
}


@dataclass(frozen=True)
class Asset:
    body: bytes
    media_type: str


@dataclass(frozen=True)
class Assets:
    digest: str
    files: dict[str, Asset]

    def url(self, name: str) -> str:
        if name not in self.files:
            raise KeyError(f"no static file {name!r} in {STATIC_DIR}")
        return f"{STATIC_PREFIX}/{self.digest}/{name}"


@lru_cache
def assets() -> Assets:
    """Read once per process: the files ship with the package (package data)."""
    files = {
        path.name: Asset(path.read_bytes(), _TYPES[path.suffix])
        for path in sorted(STATIC_DIR.iterdir())
        if path.suffix in _TYPES
    }
    digest = hashlib.sha256()
    for name, asset in files.items():
        digest.update(name.encode() + b"\0" + asset.body)
    return Assets(digest.hexdigest()[:16], files)

"""Presigned GETs that many responses share (list thumbnails).

A URL is signed as of the start of its time window, so every request within the window gets the
same URL: one signature per key and window instead of one per response, and browsers and CDNs
cache the image under one address. The window is the URL's lifetime less `MIN_LEFT_S`, so a URL
served at the very end of its window still has ten minutes to live.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from functools import lru_cache

from api.core.presign import Signer
from api.core.storage import default_bucket, get_signer
from api.settings import get_settings

MIN_LEFT_S = 600


def shared_get_url(key: str, bucket: str | None = None) -> str:
    """The window's URL of `key` (in the default bucket unless `bucket` is given)."""
    ttl_s = get_settings().download_url_ttl_s
    window_s = max(1, ttl_s - MIN_LEFT_S)
    start = int(time.time()) // window_s * window_s
    return _signed(get_signer(), bucket or default_bucket(), key, ttl_s, start)


@lru_cache(maxsize=32_768)
def _signed(signer: Signer, bucket: str, key: str, ttl_s: int, window_start: int) -> str:
    return signer.get(bucket, key, ttl_s, now=datetime.fromtimestamp(window_start, UTC))

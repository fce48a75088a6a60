"""Fixed-window counters in the broker's Redis/Valkey (shared by every API worker process)."""

from __future__ import annotations

from functools import lru_cache

import redis

from api.settings import get_settings


@lru_cache
def redis_client() -> redis.Redis:
    return redis.Redis.from_url(get_settings().broker_url, socket_timeout=2, socket_connect_timeout=2)


def hit(key: str, window_s: int) -> int:
    """Count one event in the current window and return the count so far."""
    pipe = redis_client().pipeline()
    pipe.incr(f"rl:{key}")
    pipe.expire(f"rl:{key}", window_s, nx=True)
    count, _ = pipe.execute()
    return int(count)


def count(key: str) -> int:
    value = redis_client().get(f"rl:{key}")
    return int(value) if value else 0


def reset(key: str) -> None:
    redis_client().delete(f"rl:{key}")

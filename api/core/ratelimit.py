"""Fixed-window counters in the broker's Redis/Valkey (shared by every API worker process).

The limiter fails open: while Valkey is unreachable every counter reads 0 and nothing is counted
(logged), so a broker outage never turns logins or upload URLs into errors (docs/security.md)."""

from __future__ import annotations

import logging
from functools import lru_cache

import redis
from redis.commands.core import Script

from api.settings import get_settings

log = logging.getLogger("wairo.ratelimit")


@lru_cache
def redis_client() -> redis.Redis:
    return redis.Redis.from_url(get_settings().broker_url, socket_timeout=2, socket_connect_timeout=2)


def _unavailable(exc: redis.RedisError) -> None:
    log.warning("rate limiter unavailable, not limiting: %s", exc)


# INCR and the window's expiry as one command (one round trip, one reply; atomic, so a counter never
# stays without its expiry). redis-py sends it by its SHA and loads it when the server lacks it.
_HIT = """
local count = redis.call('INCR', KEYS[1])
redis.call('EXPIRE', KEYS[1], ARGV[1], 'NX')
return count
"""


@lru_cache
def _hit_script() -> Script:
    return redis_client().register_script(_HIT)


def hit(key: str, window_s: int) -> int:
    """Count one event in the current window and return the count so far (0 when unavailable)."""
    try:
        count = _hit_script()(keys=[f"rl:{key}"], args=[window_s], client=redis_client())
    except redis.RedisError as exc:
        _unavailable(exc)
        return 0
    return int(count)


def count(key: str) -> int:
    try:
        value = redis_client().get(f"rl:{key}")
    except redis.RedisError as exc:
        _unavailable(exc)
        return 0
    return int(value) if value else 0


def window_left_s(key: str, window_s: int) -> int:
    """Seconds until the current window of `key` ends (at least 1; `window_s` when unknown)."""
    try:
        ttl = int(redis_client().ttl(f"rl:{key}"))
    except redis.RedisError as exc:
        _unavailable(exc)
        return window_s
    return max(1, ttl) if ttl >= 0 else window_s


def reset(key: str) -> None:
    try:
        redis_client().delete(f"rl:{key}")
    except redis.RedisError as exc:
        _unavailable(exc)

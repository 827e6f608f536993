"""Rate-limit counters in Redis: INCR and EXPIRE in one pipelined round trip."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from redis.asyncio import Redis

__all__ = ["RedisCounters", "open_redis"]

_PREFIX = "goalgate:rl:"


def open_redis(url: str) -> Redis:
    """A client for ``url``; connects lazily. Needs the ``goalgate[redis]`` extra."""
    try:
        from redis.asyncio import Redis
    except ImportError as exc:  # pragma: no cover  (depends on the installed extras)
        raise RuntimeError(
            "GOALGATE_REDIS_URL is set but the redis package is missing: install goalgate[redis]"
        ) from exc
    client: Redis = Redis.from_url(url, socket_timeout=2.0, socket_connect_timeout=2.0)
    return client


class RedisCounters:
    """A ``services.ratelimit.CounterStore`` on Redis; Redis drops old windows itself."""

    def __init__(self, client: Redis) -> None:
        self._client = client

    async def increment(self, key: str, window_start: int, expires_at: int) -> int:
        name = f"{_PREFIX}{key}:{window_start}"
        # A second of slack so that a worker whose clock runs a little behind
        # still finds the window it counts in.
        ttl = max(expires_at - int(time.time()), 0) + 1
        async with self._client.pipeline(transaction=True) as pipe:
            pipe.incr(name)
            pipe.expire(name, ttl)
            hits, _ = await pipe.execute()
        return int(hits)

"""Rate-limit counters in Redis: INCRBY and EXPIRE of every counter in one round trip."""

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

    async def add(self, counts: list[tuple[str, int, int, int]]) -> list[int]:
        now = int(time.time())
        async with self._client.pipeline(transaction=False) as pipe:
            for key, window_start, expires_at, amount in counts:
                name = f"{_PREFIX}{key}:{window_start}"
                # A second of slack so that a worker whose clock runs a little
                # behind still finds the window it counts in.
                pipe.incrby(name, amount)
                pipe.expire(name, max(expires_at - now, 0) + 1)
            replies = await pipe.execute()
        return [int(hits) for hits in replies[::2]]

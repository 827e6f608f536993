"""Rate limits: fixed-window request counters shared by every worker.

The algorithm is the plain fixed window. Time is cut into windows of the rate's
length, aligned on the Unix epoch (a "600/minute" window starts on each whole
minute); each request adds one to the counter of its key (a token, or a client
IP) and the current window, and is refused once that counter passes the
rate's count, until the window ends. It is one atomic increment per request in
a store every worker shares, which is why it was chosen over a sliding log or a
token bucket (those need a read-modify-write that the database would have to
lock). Its known cost: a client may spend its whole allowance at the end of one
window and again at the start of the next, so the short-term peak is up to
twice the rate. For abuse protection that is acceptable.

Counters live in the database (``storage.ratelimit``) or, when
``GOALGATE_REDIS_URL`` is set, in Redis (``storage.ratelimit_redis``). The
``limits`` library has the same algorithm but only memory, Redis, Memcached and
MongoDB storages, none on an async SQL database, so it is written out here.
"""

from __future__ import annotations

import logging
import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from goalgate.errors import RateLimited

__all__ = ["CounterStore", "Decision", "Rate", "RateLimiter", "parse_rate"]

log = logging.getLogger("goalgate.ratelimit")

_UNIT_SECONDS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}
_RATE_RE = re.compile(
    r"^\s*(?P<count>\d+)\s*/\s*(?P<multiple>\d+)?\s*(?P<unit>second|minute|hour|day)s?\s*$",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Rate:
    """At most ``count`` requests per ``seconds``-long window."""

    count: int
    seconds: int

    def __str__(self) -> str:
        return f"{self.count}/{self.seconds}s"


def parse_rate(text: str) -> Rate | None:
    """``"600/minute"`` or ``"100/10 seconds"`` as a Rate; ``"0"`` (or ``""``) as None (off).

    Raises ValueError, saying what is accepted, for anything else.
    """
    if text.strip() in {"", "0"}:
        return None
    match = _RATE_RE.fullmatch(text)
    if match is None:
        raise ValueError(
            f"{text!r} is not a rate: use N/second, N/minute, N/hour, N/day, "
            "N/<M> seconds (and so on), or 0 to turn the limit off"
        )
    count = int(match["count"])
    seconds = int(match["multiple"] or 1) * _UNIT_SECONDS[match["unit"].lower()]
    if count < 1 or seconds < 1:
        raise ValueError(f"{text!r}: the count and the window must be at least 1")
    return Rate(count=count, seconds=seconds)


class CounterStore(Protocol):
    """Where counters live; every worker must see the same counters."""

    async def increment(self, key: str, window_start: int, expires_at: int) -> int:
        """Add one to the counter of ``key`` in the window starting at ``window_start``
        (epoch seconds) and return its new value, atomically; the counter may be
        forgotten from ``expires_at`` (epoch seconds) on."""
        ...


@dataclass(frozen=True, slots=True)
class Decision:
    """The outcome of one request against one rate."""

    allowed: bool
    limit: int
    remaining: int
    # Whole seconds until the window ends (at least 1): the Retry-After value.
    reset_after: int


class RateLimiter:
    """Counts requests per key against a rate in a shared ``CounterStore``."""

    def __init__(self, store: CounterStore, *, clock: Callable[[], float] = time.time) -> None:
        self._store = store
        self._now = clock

    @property
    def store(self) -> CounterStore:
        return self._store

    async def hit(self, key: str, rate: Rate) -> Decision:
        """Count one request of ``key``; the decision says whether it may proceed."""
        now = self._now()
        window_start = int(now // rate.seconds) * rate.seconds
        window_end = window_start + rate.seconds
        hits = await self._store.increment(key, window_start, window_end)
        return Decision(
            allowed=hits <= rate.count,
            limit=rate.count,
            remaining=max(rate.count - hits, 0),
            reset_after=max(math.ceil(window_end - now), 1),
        )

    @staticmethod
    def raise_if_refused(decision: Decision, rate: Rate) -> None:
        """Raise RateLimited (429, with Retry-After) when the decision refuses the request."""
        if not decision.allowed:
            raise RateLimited(
                f"too many requests: at most {rate.count} per {_window_words(rate.seconds)}; "
                f"retry in {decision.reset_after} s",
                retry_after=decision.reset_after,
            )


def _window_words(seconds: int) -> str:
    for unit, size in reversed(_UNIT_SECONDS.items()):
        if seconds % size == 0:
            multiple = seconds // size
            return unit if multiple == 1 else f"{multiple} {unit}s"
    raise AssertionError("unreachable: every window is a whole number of seconds")

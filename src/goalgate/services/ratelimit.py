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
MongoDB storages, none on an async SQL database, and it writes to its store on
every hit, so it is written out here.

No store write per request: each worker counts in memory and sends what it
counted to the shared store in the background every ``SYNC_EVERY_S`` (one
write for all keys), learning the total of every worker in return. A worker
alone may accept only a share of what is left (the limit minus the last
known total, divided by ``_SHARE_DIVISOR`` times the number of workers, which
``serve --workers`` passes as ``GOALGATE_WORKERS``) before it must sync
inline, and it syncs inline on its first hit of a window, so it never spends
a share of a total it has not seen. Inline syncs of concurrent requests share
one write, as the group commit shares one for events. So far from the limit a request costs a
dict update, and close to it each request syncs, one at a time per worker,
which keeps the workers together within a few requests of the limit (tested
with 2 and 4 worker processes: under 10 % over).
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from goalgate.errors import RateLimited

__all__ = ["SYNC_EVERY_S", "CounterStore", "Decision", "Quota", "RateLimiter", "parse_quota"]

log = logging.getLogger("goalgate.ratelimit")

SYNC_EVERY_S = 0.1
_STORE_RETRY_S = 1.0
# A worker accepts at most 1 / (this * the number of workers) of what is left
# before it syncs inline.
_SHARE_DIVISOR = 8

_UNIT_SECONDS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}
_RATE_RE = re.compile(
    r"^\s*(?P<count>\d+)\s*/\s*(?P<multiple>\d+)?\s*(?P<unit>second|minute|hour|day)s?\s*$",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Quota:
    """At most ``count`` requests per ``seconds``-long window."""

    count: int
    seconds: int

    def __str__(self) -> str:
        return f"{self.count}/{self.seconds}s"


def parse_quota(text: str) -> Quota | None:
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
    return Quota(count=count, seconds=seconds)


class CounterStore(Protocol):
    """Where counters live; every worker must see the same counters."""

    async def add(self, counts: list[tuple[str, int, int, int]]) -> list[int]:
        """Add to counters, atomically each, and return their new values in order.

        Each entry is (key, window_start, expires_at, amount): ``amount`` hits of
        ``key`` in the window starting at ``window_start`` (epoch seconds); the
        counter may be forgotten from ``expires_at`` (epoch seconds) on."""
        ...


@dataclass(frozen=True, slots=True)
class Decision:
    """The outcome of one request against one rate."""

    allowed: bool
    limit: int
    remaining: int
    # Whole seconds until the window ends (at least 1): the Retry-After value.
    reset_after: int


@dataclass(slots=True)
class _Bucket:
    """One key's window as this worker knows it."""

    window_start: int
    expires_at: int
    # The shared total (every worker) at the last sync, what this worker is
    # sending now, and what it counted since: their sum is a lower bound of
    # the true total.
    synced: int = 0
    sending: int = 0
    pending: int = 0
    # A worker learns the shared total before it counts blind: otherwise each
    # new worker (or window) would spend a share of a total it has never seen.
    has_synced: bool = False
    # One inline sync at a time: requests over this worker's share wait for it
    # and decide on the fresh total, instead of each sending blind.
    syncing: asyncio.Lock = field(default_factory=asyncio.Lock)

    @property
    def known(self) -> int:
        return self.synced + self.sending + self.pending


class RateLimiter:
    """Counts requests per key against a rate, in memory, synced to a ``CounterStore``."""

    def __init__(
        self,
        store: CounterStore,
        *,
        clock: Callable[[], float] = time.time,
        sync_every: float = SYNC_EVERY_S,
        workers: int = 1,
    ) -> None:
        self._store = store
        # Public so that a test can pin the time.
        self.clock = clock
        self._sync_every = sync_every
        self._share_divisor = _SHARE_DIVISOR * max(workers, 1)
        # After a failed sync, hits count in memory only for a while: a store
        # that is down must not cost every request a failed round trip.
        self._store_down_until = 0.0
        self._buckets: dict[str, _Bucket] = {}
        self._task: asyncio.Task[None] | None = None
        # Inline syncs waiting for the store, and the one write under way:
        # concurrent first hits of many keys (an IP each) share one write.
        self._inline: list[tuple[str, _Bucket, int, asyncio.Future[None]]] = []
        self._inline_task: asyncio.Task[None] | None = None

    @property
    def store(self) -> CounterStore:
        return self._store

    async def hit(self, key: str, quota: Quota, amount: int = 1) -> Decision:
        """Count ``amount`` hits of ``key`` (one request, or a batch's events).

        The decision says whether they may proceed. Hits that would pass the
        limit on what this worker knows already are refused without being
        counted, so a refused batch does not use up what is left.
        """
        now = self.clock()
        window_start = int(now // quota.seconds) * quota.seconds
        window_end = window_start + quota.seconds
        bucket = self._buckets.get(key)
        if bucket is None or bucket.window_start != window_start:
            bucket = self._buckets[key] = _Bucket(window_start, window_end)
        store_down = time.monotonic() < self._store_down_until
        divisor = self._share_divisor
        if bucket.known + amount <= quota.count and (
            store_down or not _over_share(bucket, quota, divisor, amount)
        ):
            bucket.pending += amount
            hits = bucket.known
            self._start_syncing()
        elif bucket.known + amount > quota.count:
            hits = bucket.known + amount  # refused on what is known already: nothing to count
        else:
            async with bucket.syncing:
                if bucket.known + amount > quota.count:
                    hits = bucket.known + amount
                elif _over_share(bucket, quota, divisor, amount):
                    sending, bucket.pending = bucket.pending + amount, 0
                    try:
                        await self._send_inline(key, bucket, sending)
                    except Exception:
                        self._store_down_until = time.monotonic() + _STORE_RETRY_S
                        raise
                    hits = bucket.known
                else:  # the sync we waited for left room in this worker's share
                    bucket.pending += amount
                    hits = bucket.known
        return Decision(
            allowed=hits <= quota.count,
            limit=quota.count,
            remaining=max(quota.count - hits, 0),
            reset_after=max(math.ceil(window_end - now), 1),
        )

    async def take(self, key: str, quota: Quota, amount: int) -> int:
        """Count and grant up to ``amount`` hits, as many as ``key`` has room for."""
        now = self.clock()
        window_start = int(now // quota.seconds) * quota.seconds
        bucket = self._buckets.get(key)
        known = bucket.known if bucket is not None and bucket.window_start == window_start else 0
        granted = max(0, min(amount, quota.count - known))
        if granted == 0:
            return 0
        decision = await self.hit(key, quota, granted)
        return granted if decision.allowed else 0

    def refusal(self, key: str, quota: Quota) -> Decision | None:
        """The refusal ``key`` would get now, without counting; None while it has room."""
        now = self.clock()
        window_start = int(now // quota.seconds) * quota.seconds
        bucket = self._buckets.get(key)
        if bucket is None or bucket.window_start != window_start:
            return None
        if bucket.known < quota.count:
            return None
        return Decision(
            allowed=False,
            limit=quota.count,
            remaining=0,
            reset_after=max(math.ceil(window_start + quota.seconds - now), 1),
        )

    async def _send_inline(self, key: str, bucket: _Bucket, amount: int) -> None:
        """Add ``amount`` to ``key``'s shared counter and learn its total, now.

        Like the group commit: requests that must sync while a write is under
        way wait for the next one, which carries all of them in one ``add``.
        Without it, a site's visitors (an IP each, each new in every window)
        cost one write transaction a request: 6 times fewer events a second
        from 1,000 addresses than from one (docs/benchmarks.md).
        """
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        # Read the outcome even when the request went away meanwhile (no
        # "exception was never retrieved" for a failed write it no longer awaits).
        done.add_done_callback(lambda future: future.cancelled() or future.exception())
        bucket.sending += amount
        self._inline.append((key, bucket, amount, done))
        if self._inline_task is None or self._inline_task.done():
            self._inline_task = asyncio.create_task(
                self._write_inline(),
                name="goalgate-ratelimit-inline",
                context=contextvars.Context(),
            )
        # Shielded: a request that goes away must not cancel the others' write.
        await asyncio.shield(done)

    async def _write_inline(self) -> None:
        while self._inline:
            batch, self._inline = self._inline, []
            try:
                totals = await self._store.add(
                    [(key, b.window_start, b.expires_at, amount) for key, b, amount, _ in batch]
                )
            except BaseException as exc:
                for _, bucket, amount, done in batch:
                    bucket.sending -= amount
                    bucket.pending += amount  # kept for the next sync
                    if not done.done():
                        done.set_exception(exc)
                if isinstance(exc, Exception):
                    continue
                raise
            for (_, bucket, amount, done), total in zip(batch, totals, strict=True):
                bucket.sending -= amount
                bucket.synced = max(bucket.synced, total)
                bucket.has_synced = True
                if not done.done():
                    done.set_result(None)

    def _start_syncing(self) -> None:
        if self._task is None or self._task.done():
            # A context of its own, not the request's that started it (its log lines).
            self._task = asyncio.create_task(
                self._sync_forever(), name="goalgate-ratelimit", context=contextvars.Context()
            )

    async def _sync_forever(self) -> None:
        while self._buckets:
            await asyncio.sleep(self._sync_every)
            try:
                await self.sync()
            except Exception:
                log.exception("rate-limit store failed; counting locally until it is back")

    async def sync(self) -> None:
        """Send every pending count to the store and learn the shared totals."""
        now = self.clock()
        for key in [k for k, b in self._buckets.items() if b.expires_at <= now]:
            del self._buckets[key]
        sending = [(key, bucket) for key, bucket in self._buckets.items() if bucket.pending]
        if not sending:
            return
        amounts = [bucket.pending for _, bucket in sending]
        for (_, bucket), amount in zip(sending, amounts, strict=True):
            bucket.pending -= amount
            bucket.sending += amount
        try:
            totals = await self._store.add(
                [
                    (key, bucket.window_start, bucket.expires_at, amount)
                    for (key, bucket), amount in zip(sending, amounts, strict=True)
                ]
            )
        except BaseException:
            for (_, bucket), amount in zip(sending, amounts, strict=True):
                bucket.pending += amount
            raise
        finally:
            for (_, bucket), amount in zip(sending, amounts, strict=True):
                bucket.sending -= amount
        for (_, bucket), total in zip(sending, totals, strict=True):
            bucket.synced = max(bucket.synced, total)
            bucket.has_synced = True

    async def close(self) -> None:
        """Stop syncing; what was counted is sent once more (best effort)."""
        task, self._task = self._task, None
        if task is not None:
            if task.get_loop() is asyncio.get_running_loop():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            else:  # started by a request served on another loop (a test client)
                task.get_loop().call_soon_threadsafe(task.cancel)
        try:
            await self.sync()
        except Exception:
            log.warning("rate-limit counts of the last %.1f s were not sent", self._sync_every)

    @staticmethod
    def raise_if_refused(decision: Decision, quota: Quota, what: str = "requests") -> None:
        """Raise RateLimited (429, with Retry-After) when the decision refuses the request."""
        if not decision.allowed:
            raise RateLimited(
                f"too many {what}: at most {quota.count} per {_window_words(quota.seconds)}; "
                f"retry in {decision.reset_after} s",
                retry_after=decision.reset_after,
            )


def _over_share(bucket: _Bucket, quota: Quota, divisor: int, amount: int = 1) -> bool:
    """Whether ``amount`` more hits exceed what this worker may count without syncing."""
    if not bucket.has_synced:
        return True
    # Below one hit of share, every hit syncs: small limits are exact.
    return bucket.pending + amount > (quota.count - bucket.synced) // divisor


def _window_words(seconds: int) -> str:
    for unit, size in reversed(_UNIT_SECONDS.items()):
        if seconds % size == 0:
            multiple = seconds // size
            return unit if multiple == 1 else f"{multiple} {unit}s"
    raise AssertionError("unreachable: every window is a whole number of seconds")

"""Heavy reads at once: a few in all, and no site may take every one of them.

A heavy read (an aggregate over events) holds a reader (a SQLite thread, a
PostgreSQL connection) until it is done, which can take seconds. Without a
bound per site, a handful of expensive requests for one site fill every
reader, and another site's 4 ms stats wait behind them for seconds. So each
read takes a slot of every site it reads (sorted by id, so that two reads
never wait on each other) and then one of the process's slots, and gives
them back when done. Waiting counts against the request's read budget: past
its deadline the request is told to retry (``Unavailable``, 503).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Collection
from contextlib import AsyncExitStack, asynccontextmanager

from goalgate.errors import Unavailable

__all__ = ["ReadSlots"]


class _SiteSlots:
    __slots__ = ("semaphore", "users")

    def __init__(self, size: int) -> None:
        self.semaphore = asyncio.Semaphore(size)
        self.users = 0


class ReadSlots:
    """At most ``total`` heavy reads at once, at most ``per_site`` of them for any one site."""

    def __init__(self, total: int) -> None:
        self.total = total
        # Half of the readers at most: whatever one site asks, others find a free one.
        self.per_site = max(1, total // 2)
        self._all = asyncio.Semaphore(total)
        # Only sites being read or waited for are kept (bounded by the readers
        # and the requests in flight, not by the number of sites).
        self._sites: dict[int, _SiteSlots] = {}

    @asynccontextmanager
    async def taken(self, sites: Collection[int], deadline: float) -> AsyncIterator[None]:
        """Hold a slot of each of ``sites`` and one of the process until the block ends."""
        async with AsyncExitStack() as stack:
            for site_id in sorted(set(sites)):
                await stack.enter_async_context(self._site_slot(site_id, deadline))
            await _acquire(self._all, deadline)
            stack.callback(self._all.release)
            yield

    @asynccontextmanager
    async def _site_slot(self, site_id: int, deadline: float) -> AsyncIterator[None]:
        slots = self._sites.get(site_id)
        if slots is None:
            slots = self._sites[site_id] = _SiteSlots(self.per_site)
        slots.users += 1
        try:
            await _acquire(slots.semaphore, deadline)
            try:
                yield
            finally:
                slots.semaphore.release()
        finally:
            slots.users -= 1
            if slots.users == 0:
                del self._sites[site_id]


async def _acquire(semaphore: asyncio.Semaphore, deadline: float) -> None:
    if not semaphore.locked():
        await semaphore.acquire()  # free: no timer to arm
        return
    try:
        await asyncio.wait_for(semaphore.acquire(), max(0.0, deadline - time.monotonic()))
    except TimeoutError:
        raise Unavailable(
            "too many reads of this site's events at once; try again shortly"
        ) from None

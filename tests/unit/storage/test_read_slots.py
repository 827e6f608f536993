"""Heavy reads at once: half of the readers at most per site, and a wait bounded by
the read's deadline (past it: Unavailable, a 503 that may be retried)."""

from __future__ import annotations

import asyncio
import time

import pytest

from goalgate.errors import Unavailable
from goalgate.storage.read_slots import ReadSlots


async def test_a_site_holds_half_the_readers_and_others_still_get_one() -> None:
    slots = ReadSlots(4)
    assert slots.per_site == 2
    far = time.monotonic() + 60
    async with slots.taken([1], far), slots.taken([1], far):
        # Site 1 has its two; a third read of it waits past a short deadline...
        started = time.monotonic()
        with pytest.raises(Unavailable) as refused:
            async with slots.taken([1], time.monotonic() + 0.1):
                pass
        assert 0.1 <= time.monotonic() - started < 0.5
        assert refused.value.status == 503
        assert refused.value.code == "unavailable"
        assert refused.value.message == (
            "too many reads of this site's events at once; try again shortly"
        )
        # ...while another site's read gets a reader at once.
        async with slots.taken([2], time.monotonic() + 0.01):
            pass


async def test_a_waiting_read_gets_the_slot_given_back() -> None:
    slots = ReadSlots(2)
    far = time.monotonic() + 60
    order: list[str] = []

    async def read(name: str, hold: float) -> None:
        async with slots.taken([7], far):
            order.append(name)
            await asyncio.sleep(hold)

    await asyncio.gather(read("first", 0.05), read("second", 0))
    assert order == ["first", "second"]
    assert slots._sites == {}  # nothing kept for sites no longer read

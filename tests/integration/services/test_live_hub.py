"""Live event hubs: in-process, Redis pub/sub and PostgreSQL LISTEN/NOTIFY.

Two hubs on one transport stand for two workers: what one publishes, the
other's subscribers receive.
"""

from __future__ import annotations

import asyncio
import os

import pytest

from goalgate.services.live import LiveEvent, LiveHub, _decode, _encode, open_hub
from tests.helpers.env import REDIS_URL, skip_or_fail


def event(n: int, site_id: int = 1) -> LiveEvent:
    return LiveEvent(site_id, "goal", f"purchase-{n}", 1_700_000_000_000 + n, n * 1000, "USD")


async def receive(queue: asyncio.Queue[LiveEvent], count: int) -> list[LiveEvent]:
    return [await asyncio.wait_for(queue.get(), timeout=1.0) for _ in range(count)]


def test_payloads_stay_under_the_notify_limit_and_round_trip() -> None:
    events = [event(n) for n in range(300)]
    payloads = _encode(events)
    assert len(payloads) > 1
    assert all(len(p) < 8000 for p in payloads)
    assert [e for p in payloads for e in _decode(p)] == events


async def test_in_process_hub_delivers_by_site() -> None:
    hub = open_hub("sqlite+aiosqlite:///unused.db", None)
    await hub.start()
    async with hub.subscribe(1) as first, hub.subscribe(2) as second:
        await hub.publish([event(1, site_id=1), event(2, site_id=2), event(3, site_id=1)])
        assert await receive(first, 2) == [event(1, 1), event(3, 1)]
        assert await receive(second, 1) == [event(2, 2)]
    await hub.stop()


async def _two_workers(one: LiveHub, two: LiveHub) -> None:
    await one.start()
    await two.start()
    try:
        async with two.subscribe(7) as queue:
            await asyncio.sleep(0.2)  # the listener is subscribed before we publish
            await one.publish([event(n, site_id=7) for n in range(3)] + [event(9, site_id=8)])
            assert await receive(queue, 3) == [event(n, site_id=7) for n in range(3)]
            await asyncio.sleep(0.1)
            assert queue.empty()
    finally:
        await one.stop()
        await two.stop()


@pytest.mark.xdist_group("redis-pubsub")
async def test_redis_hub_reaches_another_worker() -> None:
    url = REDIS_URL
    if not url:
        skip_or_fail("GOALGATE_TEST_REDIS_URL is not set: Redis pub/sub not tested")
        return
    await _two_workers(open_hub("sqlite+aiosqlite:///x.db", url), open_hub("x", url))


async def test_postgres_hub_reaches_another_worker() -> None:
    url = os.environ.get("GOALGATE_TEST_POSTGRES_URL")
    if not url:
        skip_or_fail("GOALGATE_TEST_POSTGRES_URL is not set: LISTEN/NOTIFY not tested")
        return
    await _two_workers(open_hub(url, None), open_hub(url, None))


async def test_publish_failures_never_raise(caplog: pytest.LogCaptureFixture) -> None:
    class Broken:
        async def start(self, deliver: object) -> None: ...
        async def publish(self, events: object) -> None:
            raise ConnectionError("redis is down")

        async def stop(self) -> None: ...

    hub = LiveHub(Broken())
    await hub.publish([event(1)])
    assert "could not publish 1 live events" in caplog.text


async def test_redis_down_neither_stops_the_hub_nor_publishing(
    caplog: pytest.LogCaptureFixture,
) -> None:
    hub = open_hub("sqlite+aiosqlite:///x.db", "redis://127.0.0.1:1/0")  # nothing listens
    await hub.start()
    async with hub.subscribe(1) as queue:
        await hub.publish([event(1)])
        await asyncio.sleep(0.2)
        assert queue.empty()
    await hub.stop()
    assert "could not publish 1 live events" in caplog.text

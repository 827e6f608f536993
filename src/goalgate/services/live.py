"""Live events: each committed event, fanned out to subscribers in every worker.

A worker publishes what it just committed; every worker's hub hears it and
hands it to its own subscribers (GraphQL ``conversions`` subscriptions), which
match it against their goals. The transport depends on the deployment:

- Redis pub/sub when ``GOALGATE_REDIS_URL`` is set (any backend, any workers);
- the database's own channel where it has one (``storage.notify``:
  PostgreSQL ``LISTEN/NOTIFY``, any number of workers);
- in-process otherwise (SQLite without Redis), which reaches only the
  subscribers of the same worker: run one worker, or set a Redis URL.

Live delivery is best effort by nature (a subscriber that connects late misses
what came before); the stored events, and so the stats, are the record.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Protocol

from goalgate.storage import notify

__all__ = ["LiveEvent", "LiveHub", "open_hub"]

log = logging.getLogger("goalgate.live")

CHANNEL = "goalgate_events"
_QUEUE_SIZE = 1000
_STOP_TIMEOUT_S = 2.0


@dataclass(frozen=True, slots=True)
class LiveEvent:
    """One committed event, as subscribers see it."""

    site_id: int
    kind: str  # pageview | event | goal
    value: str  # the path or name
    ts: int  # epoch milliseconds, UTC
    revenue_micros: int | None
    revenue_currency: str | None


class _Transport(Protocol):
    async def start(self, deliver: Any) -> None: ...
    async def publish(self, events: Sequence[LiveEvent]) -> None: ...
    async def stop(self) -> None: ...


class LiveHub:
    """Fans published events out to this worker's subscribers, by site."""

    def __init__(self, transport: _Transport) -> None:
        self._transport = transport
        self._queues: dict[int, set[asyncio.Queue[LiveEvent]]] = {}

    async def start(self) -> None:
        await self._transport.start(self._deliver)

    async def stop(self) -> None:
        await self._transport.stop()

    async def publish(self, events: Sequence[LiveEvent]) -> None:
        """Announce committed events; never raises (the events are stored anyway)."""
        if not events:
            return
        try:
            await self._transport.publish(events)
        except Exception:  # a transport hiccup must not fail ingestion
            log.exception("could not publish %d live events", len(events))

    def _deliver(self, events: Sequence[LiveEvent]) -> None:
        for event in events:
            for queue in self._queues.get(event.site_id, ()):
                with contextlib.suppress(asyncio.QueueFull):  # a stalled subscriber drops
                    queue.put_nowait(event)

    @contextlib.asynccontextmanager
    async def subscribe(self, site_id: int) -> AsyncIterator[asyncio.Queue[LiveEvent]]:
        queue: asyncio.Queue[LiveEvent] = asyncio.Queue(maxsize=_QUEUE_SIZE)
        self._queues.setdefault(site_id, set()).add(queue)
        try:
            yield queue
        finally:
            self._queues[site_id].discard(queue)
            if not self._queues[site_id]:
                del self._queues[site_id]


async def _bounded(closing: Any) -> None:
    """Await a close for at most a moment; a stuck close is abandoned, not waited on."""
    task = asyncio.ensure_future(closing)
    done, _ = await asyncio.wait({task}, timeout=_STOP_TIMEOUT_S)
    if task in done and not task.cancelled():
        task.exception()  # retrieved: a failed close is no reason to fail a shutdown
    elif task not in done:
        task.cancel()


def _encode(events: Sequence[LiveEvent]) -> list[str]:
    """JSON payloads, each small enough for the database's channel (and Redis)."""
    payloads: list[str] = []
    chunk: list[dict[str, Any]] = []
    size = 2
    for event in events:
        item = asdict(event)
        item_size = len(json.dumps(item)) + 1
        if chunk and size + item_size > notify.PAYLOAD_LIMIT:
            payloads.append(json.dumps(chunk))
            chunk, size = [], 2
        chunk.append(item)
        size += item_size
    if chunk:
        payloads.append(json.dumps(chunk))
    return payloads


def _decode(payload: str | bytes) -> list[LiveEvent]:
    return [LiveEvent(**item) for item in json.loads(payload)]


class InProcess:
    """Delivery within this process only (a single worker on a database without a
    channel of its own)."""

    def __init__(self) -> None:
        self._deliver: Any = None

    async def start(self, deliver: Any) -> None:
        self._deliver = deliver

    async def publish(self, events: Sequence[LiveEvent]) -> None:
        self._deliver(events)

    async def stop(self) -> None:
        self._deliver = None


class RedisPubSub:
    """Redis pub/sub: one channel, one listening task per worker.

    Redis being down must not stop the service (ingestion and stats do not need
    it): the listener reconnects with a growing pause, and publishing fails
    softly (LiveHub logs it) until Redis is back.
    """

    def __init__(self, url: str) -> None:
        from redis.asyncio import Redis

        self._redis = Redis.from_url(url, socket_connect_timeout=2.0)
        self._task: asyncio.Task[None] | None = None

    async def start(self, deliver: Any) -> None:
        self._task = asyncio.create_task(self._listen(deliver), name="goalgate-live-redis")

    async def _listen(self, deliver: Any) -> None:
        pause = 0.5
        while True:
            try:
                pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
                try:
                    await pubsub.subscribe(CHANNEL)
                    pause = 0.5
                    async for message in pubsub.listen():
                        deliver(_decode(message["data"]))
                finally:
                    # Closing a pubsub interrupted mid-read can wait forever on
                    # its connection: give it a moment, then let it go.
                    await _bounded(pubsub.aclose())  # type: ignore[no-untyped-call,unused-ignore]
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # Redis away: say so, wait, try again
                log.warning("live events: Redis unavailable (%s); retrying in %.1f s", exc, pause)
                await asyncio.sleep(pause)
                pause = min(pause * 2, 30.0)

    async def publish(self, events: Sequence[LiveEvent]) -> None:
        for payload in _encode(events):
            await self._redis.publish(CHANNEL, payload)

    async def stop(self) -> None:
        # Bounded: shutting down must never hang on Redis.
        if self._task is not None:
            self._task.cancel()
            await asyncio.wait({self._task}, timeout=_STOP_TIMEOUT_S)
        await _bounded(self._redis.aclose())


class DatabaseNotify:
    """The database's own channel (``storage.notify``: PostgreSQL LISTEN/NOTIFY),
    carrying the events as JSON payloads."""

    def __init__(self, channel: notify.NotifyChannel) -> None:
        self._channel = channel

    async def start(self, deliver: Any) -> None:
        await self._channel.start(lambda payload: deliver(_decode(payload)))

    async def publish(self, events: Sequence[LiveEvent]) -> None:
        await self._channel.publish(_encode(events))

    async def stop(self) -> None:
        await self._channel.stop()


def open_hub(database_url: str, redis_url: str | None) -> LiveHub:
    """The hub for this deployment (see the module docstring)."""
    if redis_url:
        return LiveHub(RedisPubSub(redis_url))
    channel = notify.channel_for(database_url, CHANNEL)
    if channel is not None:
        return LiveHub(DatabaseNotify(channel))
    return LiveHub(InProcess())

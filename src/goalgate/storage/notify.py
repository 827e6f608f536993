"""The database's own notification channel: PostgreSQL ``LISTEN/NOTIFY``.

``channel_for`` gives it when the database has one (PostgreSQL), None when it
has none (SQLite: a single worker delivers in process). It carries text
payloads, each under ``PAYLOAD_LIMIT`` bytes; what they mean is the caller's
(``services.live``). It listens and sends on connections of its own, outside
the engine's pool and the readers: a listening connection is held for the
life of the process.

The server may drop them (a restart, a failover, an administrator): the
listening connection is then opened again at once, and again with a growing
pause while that fails; the sending one is opened again by the next publish.
Payloads sent meanwhile are not heard (delivery is best effort), and the
sender never waits for it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy.engine import make_url

from goalgate.storage.dialect import POSTGRESQL, named

__all__ = ["PAYLOAD_LIMIT", "NotifyChannel", "channel_for"]

log = logging.getLogger("goalgate.live")

# PostgreSQL refuses NOTIFY payloads of 8000 bytes or more.
PAYLOAD_LIMIT = 7000
_STOP_TIMEOUT_S = 2.0


def channel_for(database_url: str, name: str) -> NotifyChannel | None:
    """The channel ``name`` of the database at ``database_url``; None if it has none."""
    url = make_url(database_url)
    if named(url.get_backend_name()) is not POSTGRESQL:
        return None
    dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
    return NotifyChannel(dsn, name)


class NotifyChannel:
    """PostgreSQL LISTEN/NOTIFY of one channel, on connections of its own."""

    def __init__(self, dsn: str, name: str) -> None:
        self._dsn = dsn
        self._name = name
        self._deliver: Callable[[str], None] | None = None
        self._listener: Any = None
        self._sender: Any = None
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        # One asyncpg connection runs one statement at a time.
        self._sending = asyncio.Lock()

    async def start(self, deliver: Callable[[str], None]) -> None:
        """Listen: ``deliver`` is called on the loop with each payload heard."""
        self._deliver = deliver
        await self._listen()

    async def _listen(self) -> None:
        import asyncpg

        listener = await asyncpg.connect(self._dsn)
        await listener.add_listener(self._name, self._heard)
        listener.add_termination_listener(self._lost)
        self._listener = listener

    def _heard(self, _connection: Any, _pid: int, _channel: str, payload: str) -> None:
        if self._deliver is not None:
            self._deliver(payload)

    def _lost(self, _connection: Any) -> None:
        if not self._stopping and (self._task is None or self._task.done()):
            self._task = asyncio.create_task(self._relisten(), name="goalgate-live-postgres")

    async def _relisten(self) -> None:
        pause = 0.5
        while not self._stopping:
            try:
                await self._listen()
            except Exception as exc:  # the server is away: say so, wait, try again
                log.warning(
                    "live events: PostgreSQL unavailable (%s); retrying in %.1f s", exc, pause
                )
                await asyncio.sleep(pause)
                pause = min(pause * 2, 30.0)
            else:
                log.info("live events: listening again")
                return

    async def publish(self, payloads: Sequence[str]) -> None:
        """Send each payload (under ``PAYLOAD_LIMIT`` bytes) to every listener."""
        import asyncpg

        async with self._sending:
            if self._sender is None or self._sender.is_closed():
                self._sender = await asyncpg.connect(self._dsn)
            for payload in payloads:
                await self._sender.execute("SELECT pg_notify($1, $2)", self._name, payload)

    async def stop(self) -> None:
        self._stopping = True
        if self._task is not None:
            self._task.cancel()
            await asyncio.wait({self._task}, timeout=_STOP_TIMEOUT_S)
        for conn in (self._listener, self._sender):
            if conn is not None and not conn.is_closed():
                await conn.close(timeout=_STOP_TIMEOUT_S)

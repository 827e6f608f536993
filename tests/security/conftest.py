"""Fixtures of the security tests: a real server on the test's database."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from tests.server import Server


@asynccontextmanager
async def serving(database_url: str, cwd: Path, **env: str) -> AsyncIterator[Server]:
    """``goalgate serve`` (one worker) on ``database_url`` with extra GOALGATE_ settings."""
    server = Server(database_url, workers=1, cwd=cwd, env=env)
    try:
        await asyncio.to_thread(server.wait_ready)
        yield server
    finally:
        await asyncio.to_thread(server.stop)


async def early_in_a_minute(latest: float = 40.0) -> None:
    """Wait, if need be, until a whole-minute rate window has ``60 - latest`` s left.

    Fixed windows start on each whole minute: a test that counts to a limit
    must not cross into the next window halfway.
    """
    into = time.time() % 60
    if into > latest:
        await asyncio.sleep(60.5 - into)

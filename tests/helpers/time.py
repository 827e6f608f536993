"""Instants as the API stores them (epoch milliseconds), and waiting without fixed sleeps."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TypeVar

T = TypeVar("T")


def ms(text: str) -> int:
    """Epoch milliseconds of an ISO instant with its offset, e.g. 2024-03-31T22:00:00+00:00."""
    return int(datetime.fromisoformat(text).timestamp() * 1000)


def utc_ms(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> int:
    """Epoch milliseconds of a UTC wall-clock time."""
    return ms(datetime(year, month, day, hour, minute, second, tzinfo=UTC).isoformat())


def wait_until(
    cond: Callable[[], T], timeout: float = 10.0, what: str = "condition", every: float = 0.02
) -> T:
    """Poll ``cond`` until it is truthy (returning it), failing after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = cond()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}: last {value!r}")
        time.sleep(every)  # poll interval, not a fixed wait

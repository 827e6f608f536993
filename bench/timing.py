"""Latency sampling that resists a noisy, shared machine.

A measurement and its floor are sampled in alternating rounds, so a burst of
load from elsewhere hits both alike; each figure is a median over all rounds.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def sample(fn: Callable[[], object], count: int) -> list[float]:
    out = []
    for _ in range(count):
        started = time.perf_counter()
        fn()
        out.append(time.perf_counter() - started)
    return out


def interleaved(
    measured: Callable[[], object],
    floor: Callable[[], object],
    *,
    rounds: int = 5,
    per_round: int = 20,
) -> tuple[float, float]:
    """Median seconds of ``measured`` and of ``floor``, sampled in alternating rounds."""
    measured(), floor()  # warm caches and connections
    a: list[float] = []
    b: list[float] = []
    for _ in range(rounds):
        a += sample(measured, per_round)
        b += sample(floor, per_round)
    return statistics.median(a), statistics.median(b)

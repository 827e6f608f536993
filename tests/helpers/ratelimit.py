"""The rate limiter under test: its clock pinned inside one window, its headers read."""

from __future__ import annotations

import time
from typing import Any

from litestar import Litestar

from goalgate.services.ratelimit import RateLimiter

# 30 s into a real minute of this run: Redis expiries stay realistic.
NOW = (int(time.time()) // 60) * 60 + 30.25


def pin_clock(app: Litestar, now: float = NOW) -> None:
    limiter: RateLimiter = app.state.runtime.limiter
    limiter.clock = lambda: now


def limit_headers(response: Any) -> tuple[str | None, str | None, str | None]:
    return (
        response.headers.get("ratelimit-limit"),
        response.headers.get("ratelimit-remaining"),
        response.headers.get("ratelimit-reset"),
    )

"""A year of made-up but plausible traffic for the demo site, so its goals show numbers.

Sessions follow the site's calendar: more on weekdays than at weekends, more
in the afternoon than at night, and slowly growing over the year. A third of
sessions come from returning (identified) visitors, some of whom come back
often. Each session lands on a page, browses a little, and sometimes signs
up, writes to sales, or buys a plan in USD (some in EUR) and lands on
/thank-you. The generator is seeded, so every run makes the same year for the
same "now".
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from itertools import accumulate
from zoneinfo import ZoneInfo

from goalgate.domain import money, visitors
from goalgate.services.group_commit import NewEvent

__all__ = ["demo_events"]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_SESSIONS_PER_DAY = 62
# Monday first: office traffic on weekdays, quiet weekends.
_WEEKDAY_FACTOR = (1.1, 1.15, 1.1, 1.05, 0.95, 0.6, 0.5)
# Relative traffic of each local hour of the day.
_HOURS = (1, 1, 1, 1, 1, 2, 3, 5, 8, 10, 11, 11, 10, 11, 12, 11, 10, 9, 8, 8, 7, 5, 3, 2)
_RETURNING_VISITORS = 2500
_LANDINGS = ("/", "/pricing", "/features", "/docs/getting-started", "/about", "/blog")
_LANDING_WEIGHTS = (30, 12, 8, 6, 3, 6)
_BROWSE = ("/pricing", "/features", "/docs/api", "/docs/getting-started", "/about", "/careers")
_BLOG_POSTS = 48
_PLANS = (("19.00", 50), ("49.00", 30), ("99.00", 15), ("249.00", 5))


def demo_events(
    *, site_id: int, site_key: str, timezone: str, now: datetime, days: int = 365
) -> Iterator[NewEvent]:
    """The demo traffic of the ``days`` local days up to ``now`` (nothing after it)."""
    rng = random.Random(20240331)
    zone = ZoneInfo(timezone)
    today = now.astimezone(zone).date()
    now_ms = _ms(now)
    returning = [
        visitors.identified_visitor(site_key=site_key, visitor_id=f"demo-user-{n}")
        for n in range(_RETURNING_VISITORS)
    ]
    # A few loyal visitors come back far more often than the rest. Cumulative
    # weights, computed once: choices() would redo the sum on every call.
    loyalty = list(accumulate(1.0 / (rank + 1) ** 0.7 for rank in range(_RETURNING_VISITORS)))
    hours = list(accumulate(_HOURS))
    for back in range(days - 1, -1, -1):
        day = today - timedelta(days=back)
        growth = 0.75 + 0.5 * (days - back) / days
        expected = _SESSIONS_PER_DAY * _WEEKDAY_FACTOR[day.weekday()] * growth
        for _ in range(max(0, round(rng.gauss(expected, expected * 0.12)))):
            hour = rng.choices(range(24), cum_weights=hours)[0]
            local = datetime.combine(day, time(hour, rng.randrange(60), rng.randrange(60)), zone)
            start_ms = _ms(local)
            if rng.random() < 0.35:
                visitor = rng.choices(returning, cum_weights=loyalty)[0]
            else:
                visitor = rng.getrandbits(62)
            for event in _session(rng, site_id, visitor, start_ms):
                if event.ts <= now_ms:
                    yield event


def _session(rng: random.Random, site_id: int, visitor: int, start_ms: int) -> list[NewEvent]:
    clock = start_ms
    events: list[NewEvent] = []

    def add(kind: str, value: str, revenue: tuple[str, str] | None = None) -> None:
        nonlocal clock
        micros = money.to_micros(money.parse_amount(revenue[0])) if revenue else None
        currency = revenue[1] if revenue else None
        events.append(NewEvent(site_id, kind, value, clock, visitor, micros, currency))
        clock += rng.randrange(5_000, 120_000)

    landing = rng.choices(_LANDINGS, weights=_LANDING_WEIGHTS)[0]
    if landing == "/blog" or rng.random() < 0.25:
        landing = f"/blog/{_blog_post(rng)}"
    add("pageview", landing)
    for _ in range(rng.choices((0, 1, 2, 3), weights=(45, 30, 15, 10))[0]):
        if rng.random() < 0.3:
            add("pageview", f"/blog/{_blog_post(rng)}")
        else:
            add("pageview", rng.choice(_BROWSE))
    roll = rng.random()
    if roll < 0.035:
        add("pageview", "/signup")
        add("event", "signup")
    elif roll < 0.05:
        add("pageview", "/contact")
        add("event", rng.choice(("contact_form", "contact_form", "contact_sales")))
    elif roll < 0.07:
        add("pageview", "/checkout")
        amount = rng.choices([plan for plan, _ in _PLANS], weights=[w for _, w in _PLANS])[0]
        currency = "EUR" if rng.random() < 0.15 else "USD"
        add("goal", "purchase", (amount, currency))
        add("pageview", "/thank-you")
    if rng.random() < 0.04:
        add("event", "newsletter")
    return events


def _blog_post(rng: random.Random) -> int:
    # Older posts (small numbers) have had more time to collect readers.
    return min(int(rng.expovariate(1 / 12)) + 1, _BLOG_POSTS)


def _ms(moment: datetime) -> int:
    return (moment - _EPOCH) // timedelta(milliseconds=1)

"""Breakdown test data: events with dimensions, and one sample month written through
the product's own writer (``write_events``)."""

from __future__ import annotations

from datetime import datetime

from goalgate.domain.dimensions import Dimension
from goalgate.services import rates
from goalgate.services.group_commit import NewEvent, write_events
from goalgate.storage import sites as site_store
from goalgate.storage.db import Database
from goalgate.storage.records import SiteRecord

RATES = "date,currency,rate\n2024-03-01,USD,1.1\n2024-03-02,USD,1.2\n"


def _ms(text: str) -> int:
    return int(datetime.fromisoformat(f"{text}+00:00").timestamp() * 1000)


def event(
    site: SiteRecord,
    kind: str,
    value: str,
    at: str,
    visitor: int,
    revenue: tuple[int, str] | None = None,
    **dimensions: str,
) -> NewEvent:
    dims = tuple((Dimension(name), v) for name, v in dimensions.items())
    if kind == "pageview":
        dims = ((Dimension.PAGE, value), *dims)
    return NewEvent(
        site_id=site.id,
        kind=kind,
        value=value,
        ts=_ms(at),
        visitor=visitor,
        revenue_micros=revenue[0] if revenue else None,
        revenue_currency=revenue[1] if revenue else None,
        dimensions=dims,
    )


async def write_sample(db: Database, site_key: str) -> None:
    """Four visitors in March 2024 (UTC) converting on "buy" from Google, Twitter
    and nowhere; a Bing conversion in April (outside the period); rates EUR-based."""
    site = await site_store.site_by_key(db.reader, site_key)
    assert site is not None
    await rates.import_rates(db, RATES.splitlines(keepends=True), base="eur")
    g, tw = "Google", "Twitter"
    events = [
        event(site, "pageview", "/home", "2024-03-05T09:00:00", 1, source=g),
        event(site, "pageview", "/pricing", "2024-03-05T10:00:00", 1, source=g),
        event(
            site, "goal", "buy", "2024-03-05T10:05:00", 1, (10_000_000, "USD"),
            source=g, page="/pricing", country="DE", device="Desktop",
        ),
        event(site, "pageview", "/blog", "2024-03-05T11:00:00", 2, source=tw),
        # 5 EUR on 5 March: 6 USD at that day's rate (1.2).
        event(site, "goal", "buy", "2024-03-05T11:05:00", 2, (5_000_000, "EUR"), source=tw,
              page="/blog", device="Mobile"),
        event(site, "goal", "buy", "2024-03-06T08:00:00", 3),
        event(site, "pageview", "/home", "2024-03-06T09:00:00", 4, source=tw),
        event(site, "goal", "buy", "2024-03-07T12:00:00", 1, (2_000_000, "USD"), source=g,
              page="/pricing"),
        # Outside the period.
        event(site, "goal", "buy", "2024-04-02T12:00:00", 5, source="Bing"),
    ]  # fmt: skip
    async with db.transaction() as session:
        await write_events(session, events)

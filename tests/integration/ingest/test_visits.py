"""Visits through the public faces: events sent to /api/v1/analytics/events,
conversions read back from the REST breakdown and stats routes.

A visit is one visitor's run of events with no gap over 30 minutes; its
source, referrer domain, campaign tags and entry page are its first event's,
and every event of the visit is credited to them. Each test runs on SQLite and
on PostgreSQL; the numbers are worked out by hand in the comments.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import text

from goalgate.app import create_app
from goalgate.domain.dimensions import Dimension
from goalgate.services.group_commit import NewEvent, write_events
from goalgate.settings import Settings
from goalgate.storage import sites as site_store
from goalgate.storage.db import Database, open_database
from tests.helpers.http import EVENTS_URL, Client, bearer, goal_body

BASE = "/api/v1/analytics/sites"
DAY = {"period": "custom", "from": "2024-03-05", "to": "2024-03-05"}
SHOP = "https://example.com"


def at(clock: str) -> str:
    """An instant of 5 March 2024 (UTC), ``clock`` as HH:MM or HH:MM:SS."""
    return f"2024-03-05T{clock}{':00' if clock.count(':') == 1 else ''}Z"


def pageview(site: str, clock: str, path: str, visitor: str = "alice", **extra: Any) -> dict:
    return {
        "site": site,
        "type": "pageview",
        "url": SHOP + path,
        "timestamp": at(clock),
        "visitor_id": visitor,
        **extra,
    }


def purchase(site: str, clock: str, path: str, visitor: str = "alice", **extra: Any) -> dict:
    return {
        "site": site,
        "type": "goal",
        "name": "purchase",
        "url": SHOP + path,
        "timestamp": at(clock),
        "visitor_id": visitor,
        "revenue": {"amount": "49.90", "currency": "USD"},
        **extra,
    }


async def send(client: Client, token: str, *events: dict) -> None:
    """One request (a page load) holding ``events``."""
    response = await client.post(EVENTS_URL, json=list(events), headers=bearer(token))
    assert response.status_code == 202, response.text


async def purchase_goal(client: Client, site: str, token: str) -> str:
    body = goal_body(name="Purchase", type="custom", match_value="purchase", currency="USD")
    created = await client.post(f"{BASE}/{site}/goals", json=body, headers=bearer(token))
    assert created.status_code == 201, created.text
    return str(created.json()["data"]["id"])


async def credited(client: Client, site: str, token: str, goal: str, by: str) -> list[tuple]:
    """The goal's breakdown on 5 March: (value, conversions, unique conversions, revenue)."""
    response = await client.get(
        f"{BASE}/{site}/goals/{goal}/breakdown", params={"by": by, **DAY}, headers=bearer(token)
    )
    assert response.status_code == 200, response.text
    return [
        (row["value"], row["conversions"], row["unique_conversions"], row["revenue"])
        for row in response.json()["data"]
    ]


async def visits(db: Database) -> list[tuple[int, int, int, int]]:
    """Each stored visit: (start, end, events, pageviews), by start."""
    async with db.engine.connect() as connection:
        rows = await connection.execute(
            text("SELECT start_ts, end_ts, events, pageviews FROM visits ORDER BY start_ts, id")
        )
        return [tuple(int(v) for v in row) for row in rows]  # type: ignore[misc]


def ms(clock: str) -> int:
    """Epoch ms of ``at(clock)``."""
    return int(datetime.fromisoformat(at(clock).replace("Z", "+00:00")).timestamp() * 1000)


async def test_a_multi_page_visit_credits_the_purchase_to_its_landing(
    client: Client, db: Database, site: str, token: str
) -> None:
    """Google, spring campaign, lands on /landing; two more pages (each a load
    whose referrer is the shop itself); then buys on /checkout for 49.90 USD."""
    goal = await purchase_goal(client, site, token)
    landing = "/landing?utm_source=google&utm_medium=cpc&utm_campaign=spring"
    await send(client, token, pageview(site, "10:00", landing, referrer="https://www.google.com/"))
    await send(client, token, pageview(site, "10:02", "/pricing", referrer=SHOP + "/landing"))
    await send(client, token, pageview(site, "10:05", "/checkout", referrer=SHOP + "/pricing"))
    await send(client, token, purchase(site, "10:07", "/checkout", referrer=SHOP + "/checkout"))
    assert await credited(client, site, token, goal, "source") == [("Google", 1, 1, 49.9)]
    assert await credited(client, site, token, goal, "referrer_domain") == [
        ("google.com", 1, 1, 49.9)
    ]
    assert await credited(client, site, token, goal, "utm_campaign") == [("spring", 1, 1, 49.9)]
    assert await credited(client, site, token, goal, "utm_medium") == [("cpc", 1, 1, 49.9)]
    assert await credited(client, site, token, goal, "entry_page") == [("/landing", 1, 1, 49.9)]
    # PAGE stays the page the purchase happened on.
    assert await credited(client, site, token, goal, "page") == [("/checkout", 1, 1, 49.9)]
    assert await visits(db) == [(ms("10:00"), ms("10:07"), 4, 3)]


async def test_a_payment_providers_return_keeps_the_visits_source(
    client: Client, db: Database, site: str, token: str
) -> None:
    """From Google to /product, /checkout, off to PayPal and back to /thank-you
    (referrer paypal.com), where the purchase fires: credited to Google."""
    goal = await purchase_goal(client, site, token)
    await send(client, token, pageview(site, "10:00", "/product", referrer="https://google.de/"))
    await send(client, token, pageview(site, "10:03", "/checkout", referrer=SHOP + "/product"))
    paypal = "https://www.paypal.com/checkoutnow?token=x"
    await send(
        client,
        token,
        pageview(site, "10:10", "/thank-you", referrer=paypal),
        purchase(site, "10:10:05", "/thank-you", referrer=paypal),
    )
    assert await credited(client, site, token, goal, "source") == [("Google", 1, 1, 49.9)]
    assert await credited(client, site, token, goal, "referrer_domain") == [
        ("google.de", 1, 1, 49.9)
    ]
    # Filters read the visit's values too.
    stats = f"{BASE}/{site}/goals/{goal}/stats"
    google = await client.get(
        stats, params={**DAY, "filter": "source:is:google"}, headers=bearer(token)
    )
    assert google.json() == {"data": {"conversions": 1, "unique_conversions": 1, "revenue": 49.9}}
    paypal_filter = {**DAY, "filter": "referrer_domain:is:paypal.com"}
    nothing = await client.get(stats, params=paypal_filter, headers=bearer(token))
    assert nothing.json() == {"data": {"conversions": 0, "unique_conversions": 0, "revenue": 0.0}}
    # Nothing is lost: the event keeps its own referrer.
    async with db.engine.connect() as connection:
        own = await connection.execute(
            text(
                "SELECT k.value FROM events AS e JOIN event_keys AS k "
                "ON k.id = e.referrer_domain_id ORDER BY e.ts"
            )
        )
        assert list(own.scalars()) == ["google.de", "paypal.com", "paypal.com"]


async def test_a_visit_ends_after_more_than_30_minutes_without_an_event(
    client: Client, db: Database, site: str, token: str
) -> None:
    """Alice buys 29 minutes after landing from Google (one visit: Google); Bob
    31 minutes after (a second visit, with no source, entering on /cart)."""
    goal = await purchase_goal(client, site, token)
    google = {"referrer": "https://www.google.com/"}
    await send(client, token, pageview(site, "10:00", "/a", "alice", **google))
    await send(client, token, pageview(site, "10:00", "/b", "bob", **google))
    await send(client, token, purchase(site, "10:29", "/cart", "alice"))
    await send(client, token, purchase(site, "10:31", "/cart", "bob"))
    assert await credited(client, site, token, goal, "source") == [
        ("(none)", 1, 1, 49.9),
        ("Google", 1, 1, 49.9),
    ]
    assert await credited(client, site, token, goal, "entry_page") == [
        ("/a", 1, 1, 49.9),
        ("/cart", 1, 1, 49.9),
    ]
    assert sorted(await visits(db)) == [
        (ms("10:00"), ms("10:00"), 1, 1),
        (ms("10:00"), ms("10:29"), 2, 1),
        (ms("10:31"), ms("10:31"), 1, 0),
    ]


async def test_a_gap_of_exactly_30_minutes_stays_in_the_visit(
    client: Client, db: Database, site: str, token: str
) -> None:
    goal = await purchase_goal(client, site, token)
    await send(client, token, pageview(site, "10:00", "/a", referrer="https://t.co/x"))
    await send(client, token, purchase(site, "10:30", "/a"))
    assert await credited(client, site, token, goal, "source") == [("Twitter", 1, 1, 49.9)]


async def test_later_events_own_source_and_tags_do_not_change_the_visits(
    client: Client, db: Database, site: str, token: str
) -> None:
    """An explicit source and utm tags on a later event are kept on the event
    but credit nothing: the visit is the landing's."""
    goal = await purchase_goal(client, site, token)
    await send(client, token, pageview(site, "10:00", "/?utm_campaign=spring", utm_source="mail"))
    await send(
        client,
        token,
        purchase(site, "10:05", "/buy", source="Partner", utm_campaign="summer"),
    )
    assert await credited(client, site, token, goal, "source") == [("Mail", 1, 1, 49.9)]
    assert await credited(client, site, token, goal, "utm_campaign") == [("spring", 1, 1, 49.9)]


async def test_events_of_one_visit_through_two_app_instances(
    client: Client, db: Database, site: str, token: str, settings: Settings
) -> None:
    """Two apps (two runtimes, engines and group committers, as two workers)
    on one database: a visit's events alternate between them, and 20 visitors
    each send two events at once, one through each; every visitor has one visit."""
    goal = await purchase_goal(client, site, token)
    async with AsyncTestClient(app=create_app(settings)) as other:
        landing = pageview(
            site, "10:00", "/landing?utm_campaign=spring", referrer="https://bing.com"
        )
        await send(client, token, landing)
        await send(other, token, pageview(site, "10:01", "/pricing"))
        await send(client, token, pageview(site, "10:02", "/cart"))
        await send(other, token, purchase(site, "10:03", "/cart"))
        at_once = []
        for n in range(20):
            visitor = f"v{n}"
            at_once.append(send(client, token, pageview(site, "11:00", "/x", visitor)))
            at_once.append(send(other, token, purchase(site, "11:00:01", "/x", visitor)))
        await asyncio.gather(*at_once)
    assert await credited(client, site, token, goal, "source") == [
        ("(none)", 20, 20, 998.0),
        ("Bing", 1, 1, 49.9),
    ]
    assert await credited(client, site, token, goal, "utm_campaign") == [
        ("(none)", 20, 20, 998.0),
        ("spring", 1, 1, 49.9),
    ]
    stored = await visits(db)
    assert stored[0] == (ms("10:00"), ms("10:03"), 4, 3)
    assert stored[1:] == [(ms("11:00"), ms("11:00:01"), 2, 1)] * 20


async def test_a_batch_out_of_order_is_credited_to_its_earliest_event(
    client: Client, db: Database, site: str, token: str
) -> None:
    goal = await purchase_goal(client, site, token)
    await send(
        client,
        token,
        purchase(site, "10:07", "/checkout"),
        pageview(site, "10:02", "/pricing", referrer="https://t.co/x"),
        pageview(site, "10:00", "/landing?utm_campaign=spring", referrer="https://google.com"),
    )
    assert await credited(client, site, token, goal, "source") == [("Google", 1, 1, 49.9)]
    assert await credited(client, site, token, goal, "entry_page") == [("/landing", 1, 1, 49.9)]
    assert await visits(db) == [(ms("10:00"), ms("10:07"), 3, 2)]


async def test_an_older_event_arriving_later_becomes_the_visits_first(
    client: Client, db: Database, site: str, token: str
) -> None:
    goal = await purchase_goal(client, site, token)
    await send(client, token, pageview(site, "10:10", "/pricing", referrer="https://t.co/x"))
    await send(client, token, purchase(site, "10:15", "/cart"))
    assert await credited(client, site, token, goal, "source") == [("Twitter", 1, 1, 49.9)]
    assert await credited(client, site, token, goal, "entry_page") == [("/pricing", 1, 1, 49.9)]
    # A backfill brings the landing, ten minutes earlier, from a Google campaign.
    landing = "/landing?utm_campaign=spring"
    await send(client, token, pageview(site, "10:00", landing, referrer="https://google.com"))
    assert await credited(client, site, token, goal, "source") == [("Google", 1, 1, 49.9)]
    assert await credited(client, site, token, goal, "utm_campaign") == [("spring", 1, 1, 49.9)]
    assert await credited(client, site, token, goal, "entry_page") == [("/landing", 1, 1, 49.9)]
    assert await visits(db) == [(ms("10:00"), ms("10:15"), 3, 2)]


async def test_an_event_bridging_two_visits_merges_them(
    client: Client, db: Database, site: str, token: str
) -> None:
    """Google at 10:00, Twitter at 11:00 (a second visit), a purchase at 11:05:
    Twitter's. Then a pageview of 10:30 arrives: 30 minutes from each, one visit,
    Google's."""
    goal = await purchase_goal(client, site, token)
    await send(client, token, pageview(site, "10:00", "/a", referrer="https://google.com"))
    await send(client, token, pageview(site, "11:00", "/b", referrer="https://t.co/x"))
    await send(client, token, purchase(site, "11:05", "/b"))
    assert await credited(client, site, token, goal, "source") == [("Twitter", 1, 1, 49.9)]
    assert len(await visits(db)) == 2
    await send(client, token, pageview(site, "10:30", "/c"))
    assert await credited(client, site, token, goal, "source") == [("Google", 1, 1, 49.9)]
    assert await credited(client, site, token, goal, "entry_page") == [("/a", 1, 1, 49.9)]
    assert await visits(db) == [(ms("10:00"), ms("11:05"), 4, 3)]
    async with db.engine.connect() as connection:
        ids = await connection.execute(text("SELECT DISTINCT visit_id FROM events"))
        assert len(list(ids)) == 1


@pytest.mark.parametrize("others", [0, 300])
async def test_two_writers_of_one_visitor_take_turns(
    db: Database, site: str, settings: Settings, others: int
) -> None:
    """A second transaction writing the same visitor waits for the first to
    commit, then joins its visit (SQLite: one writer at a time; PostgreSQL:
    the visitor's advisory lock, or with 300 other visitors, more than it
    locks one by one, the site's). Without that, both would start a visit."""
    record = await site_store.site_by_key(db.reader, site)
    assert record is not None

    def event(kind: str, value: str, clock: str, visitor: int) -> NewEvent:
        dimensions = ((Dimension.PAGE, value),) if kind == "pageview" else ()
        return NewEvent(record.id, kind, value, ms(clock), visitor, None, None, dimensions)

    # The keys exist already: neither writer waits for the dictionary's lock.
    async with db.transaction() as session:
        await write_events(
            session, [event("pageview", "/a", "09:00", 99), event("goal", "buy", "09:00", 99)]
        )
    other = open_database(settings.database_url)
    try:

        async def second() -> None:
            crowd = [event("goal", "buy", "12:00", 1000 + n) for n in range(others)]
            async with other.transaction() as session:
                await write_events(session, [event("goal", "buy", "10:05", 7), *crowd])

        async with db.transaction() as session:
            await write_events(session, [event("pageview", "/a", "10:00", 7)])
            waiting = asyncio.create_task(second())
            await asyncio.sleep(0.5)
            assert not waiting.done()
        await waiting
    finally:
        await other.close()
    crowd = [(ms("12:00"), ms("12:00"), 1, 0)] * others
    assert await visits(db) == [
        (ms("09:00"), ms("09:00"), 2, 1),
        (ms("10:00"), ms("10:05"), 2, 1),
        *crowd,
    ]

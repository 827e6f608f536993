"""Where a conversion came from, from a real browser to the stored event (issue 14).

A visitor reads a post on Hacker News, follows its link to a shop page tagged
``?utm_source=newsletter&utm_campaign=spring&other=secret`` and buys. The shop
page carries the documented ``ka.js`` snippet of a real ``goalgate serve``
(a subprocess on a temporary SQLite file), run twice: without a GeoIP
database, and with ``GOALGATE_GEOIP_DATABASE`` naming a small one (built
with ``mmdb-writer``) that places 127.0.0.1 in Germany. Chromium resolves
``news.ycombinator.com`` and ``shop.example`` to 127.0.0.1
(``--host-resolver-rules``), so both pages come from a stdlib server here while
the browser sees two real sites: the referrer is what a browser really sends
across sites (the origin alone, by the default referrer policy), and the shop
is not on the site's own domain.

The stored events (joined to the key dictionary) must carry exactly: the page,
the referrer's domain and its source name from the referrer list, the two UTM
tags, and device, browser and OS parsed from the browser's User-Agent (a fixed
Chrome-on-Windows string), and the country only when GeoIP is on. And
``other=secret`` must be stored nowhere: not in a key, not in the database
file's bytes, not even in what the browser sent. Then the read API must show
the purchase under each of those values: a GraphQL ``Goal.breakdown`` by every
dimension, with filters, and the REST ``/breakdown`` route.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from goalgate.domain.dimensions import STORED
from goalgate.storage.db import Database
from tests.helpers.data import READ, WRITE, make_site, make_token, with_db
from tests.helpers.http import bearer
from tests.helpers.server import Server
from tests.helpers.tracker import (
    INSTRUMENT,
    USER_AGENT,
    Pages,
    mapped_chromium,
    settle,
    shop_page,
)

pytestmark = pytest.mark.e2e

SITE = "sk_shop0example"
SHOP = "shop.example"
REFERRER_HOST = "news.ycombinator.com"
QUERY = "?utm_source=newsletter&utm_campaign=spring&other=secret"
# What ka.js keeps of that query: the UTM tags, as written.
SENT_QUERY = "?utm_source=newsletter&utm_campaign=spring"
BUY = """<button id="buy"
  onclick="ka.goal('purchase', {revenue: {amount: '49.90', currency: 'USD'}})">Buy</button>"""


def post_page(link: str) -> str:
    return f'<!doctype html><title>HN</title><a id="story" href="{link}">Show HN: a shop</a>'


@pytest.fixture(scope="module")
def mapped_browser() -> Iterator[Any]:
    """Headless Chromium that resolves the two site names to 127.0.0.1."""
    with mapped_chromium(SHOP, REFERRER_HOST) as chromium:
        yield chromium


def stored(database: Path) -> list[dict[str, Any]]:
    """Every event in insertion order: its kind, matched value and each dimension's value."""
    columns = ", ".join(
        f"(SELECT value FROM event_keys WHERE id = e.{d.column}) AS {d.value}"  # noqa: S608
        for d in STORED
    )
    with sqlite3.connect(database) as connection:
        connection.row_factory = sqlite3.Row
        rows = connection.execute(
            f"SELECT k.kind, k.value, {columns} FROM events AS e "  # noqa: S608
            "JOIN event_keys AS k ON k.id = e.key_id ORDER BY e.id"
        ).fetchall()
    return [dict(row) for row in rows]


def key_values(database: Path) -> list[str]:
    with sqlite3.connect(database) as connection:
        return [value for (value,) in connection.execute("SELECT value FROM event_keys")]


def geoip_database(path: Path) -> Path:
    """A GeoLite2-Country-shaped database that places the loopback network in Germany."""
    from mmdb_writer import MMDBWriter
    from netaddr import IPSet

    writer = MMDBWriter(ip_version=6, ipv4_compatible=True, database_type="GeoLite2-Country")
    writer.insert_network(IPSet(["127.0.0.0/8"]), {"country": {"iso_code": "DE"}})
    writer.to_db_file(str(path))
    return path


BREAKDOWN = """
query Breakdown($site: String!, $id: ID!, $by: Dimension!, $filter: [StatsFilter!]) {
  goal(siteKey: $site, id: $id) {
    breakdown(by: $by, period: LAST_7_DAYS, filter: $filter) {
      nodes { value conversions uniqueConversions revenue { amount currency } conversionRate }
    }
  }
}
"""


def assert_breakdowns(client: httpx.Client, goal: str, values: dict[str, str | None]) -> None:
    """The purchase, broken down by every dimension over GraphQL (and REST), with filters."""
    purchase = {
        "conversions": 1,
        "uniqueConversions": 1,
        "revenue": {"amount": "49.90", "currency": "USD"},
        "conversionRate": 1.0,  # the one visitor with that value converted
    }

    def breakdown(by: str, clauses: list[dict[str, Any]] | None = None) -> Any:
        variables = {"site": SITE, "id": goal, "by": by.upper(), "filter": clauses}
        response = client.post("/graphql", json={"query": BREAKDOWN, "variables": variables})
        assert response.status_code == 200, response.text
        body = response.json()
        assert "errors" not in body, body
        return body["data"]["goal"]["breakdown"]["nodes"]

    for by, value in values.items():
        empty = "(unknown)" if by in ("country", "device", "browser", "os") else "(none)"
        assert breakdown(by) == [{"value": value or empty, **purchase}], by

    # Filters: the visit's own values keep it, others do not.
    newsletter = {"dimension": "UTM_SOURCE", "operator": "IS", "values": ["Newsletter"]}
    google = {"dimension": "SOURCE", "operator": "IS", "values": ["Google"]}
    hacker = {"dimension": "SOURCE", "operator": "CONTAINS", "values": ["hacker"]}
    assert breakdown("utm_campaign", [newsletter, hacker]) == [{"value": "spring", **purchase}]
    assert breakdown("utm_campaign", [newsletter, google]) == []

    response = client.get(
        f"/api/v1/analytics/sites/{SITE}/goals/{goal}/breakdown",
        params=[
            ("by", "referrer_domain"),
            ("period", "7d"),
            ("filter", "utm_source:is:newsletter"),
        ],
    )
    assert response.status_code == 200, response.text
    assert json.loads(response.text, parse_float=Decimal) == {
        "data": [
            {
                "value": REFERRER_HOST,
                "conversions": 1,
                "unique_conversions": 1,
                "revenue": Decimal("49.90"),
                "conversion_rate": 1.0,
            }
        ],
    }


@pytest.mark.parametrize("geoip", [False, True], ids=["geoip-off", "geoip-on"])
def test_utm_tags_and_referrer_reach_the_stored_events(
    mapped_browser: Any, tmp_path: Path, geoip: bool
) -> None:
    database = tmp_path / "goalgate.db"
    database_url = f"sqlite+aiosqlite:///{database}"

    async def arrange(db: Database) -> tuple[str, str]:
        await make_site(db, SITE, domain=SHOP)
        return await make_token(db, READ, name="read"), await make_token(db, WRITE, name="goals")

    # Playwright's sync API runs an event loop in this thread: asyncio elsewhere.
    with ThreadPoolExecutor(max_workers=1) as pool:
        read_token, write_token = pool.submit(with_db, database_url, arrange).result()

    env = None
    if geoip:
        env = {"GOALGATE_GEOIP_DATABASE": str(geoip_database(tmp_path / "country.mmdb"))}
    server = Server(database_url, workers=1, cwd=tmp_path, env=env)
    pages: Pages | None = None
    context = None
    try:
        server.wait_ready()
        goals = {}
        with httpx.Client(base_url=server.base_url, headers=bearer(write_token)) as client:
            for body in (
                {"name": "Shop", "type": "pageview", "match_type": "exact", "match_value": "/shop"},
                {
                    "name": "Purchase",
                    "type": "custom",
                    "match_type": "exact",
                    "match_value": "purchase",
                    "currency": "USD",
                },
            ):
                response = client.post(f"/api/v1/analytics/sites/{SITE}/goals", json=body)
                assert response.status_code == 201, response.text
                goals[body["name"]] = response.json()["data"]["id"]

        shop_pages: dict[str, str] = {"/shop": shop_page(SITE, server.base_url + "/js/ka.js", BUY)}
        pages = Pages(shop_pages)
        shop = f"http://{SHOP}:{pages.port}"
        shop_pages["/item"] = post_page(shop + "/shop" + QUERY)
        referrer = f"http://{REFERRER_HOST}:{pages.port}/"

        context = mapped_browser.new_context(user_agent=USER_AGENT)
        context.add_init_script(INSTRUMENT)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))

        page.goto(referrer + "item")
        page.click("#story")
        page.wait_for_url(shop + "/shop" + QUERY)
        assert page.evaluate("document.referrer") == referrer
        settle(page, 1)
        page.click("#buy")
        sent = settle(page, 2)
        url = shop + "/shop" + SENT_QUERY
        assert sent == [
            [{"site": SITE, "type": "pageview", "url": url, "referrer": referrer}],  # load batch
            {
                "site": SITE,
                "type": "goal",
                "name": "purchase",
                "revenue": {"amount": "49.90", "currency": "USD"},
                "url": url,
                "referrer": referrer,
            },
        ]
        assert errors == []
        assert "secret" not in str(sent)  # never left the browser

        # Each 202 means committed: the rows are there.
        dimensions = {
            "page": "/shop",
            "source": "Hacker News",
            "referrer_domain": REFERRER_HOST,
            "utm_source": "newsletter",
            "utm_medium": None,
            "utm_campaign": "spring",
            "utm_content": None,
            "utm_term": None,
            "country": "DE" if geoip else None,  # from the IP, only with the database
            "device": "Desktop",
            "browser": "Chrome",
            "os": "Windows",
        }
        assert stored(database) == [
            {"kind": "pageview", "value": "/shop", **dimensions},
            {"kind": "goal", "value": "purchase", **dimensions},
        ]

        # The read API counts them: stats, breakdowns and filters, exactly.
        with httpx.Client(base_url=server.base_url, headers=bearer(read_token)) as client:
            assert_breakdowns(client, goals["Purchase"], {**dimensions, "entry_page": "/shop"})
            for name, revenue in (("Shop", None), ("Purchase", Decimal("49.90"))):
                response = client.get(
                    f"/api/v1/analytics/sites/{SITE}/goals/{goals[name]}/stats",
                    params={"period": "7d"},
                )
                assert response.status_code == 200, response.text
                assert json.loads(response.text, parse_float=Decimal) == {
                    "data": {"conversions": 1, "unique_conversions": 1, "revenue": revenue}
                }
    finally:
        if context is not None:
            context.close()
        if pages is not None:
            pages.close()
        server.stop()

    # Nothing of "other=secret" anywhere: no key holds it, and no byte of the
    # database (its WAL included) does; "secret_hash" is a column name.
    assert not [v for v in key_values(database) if "secret" in v or "other" in v or "?" in v]
    files = sorted(tmp_path.glob("goalgate.db*"))
    assert database in files
    for file in files:
        assert re.findall(rb"secret(?!_hash)", file.read_bytes()) == [], file.name

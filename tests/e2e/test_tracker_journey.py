"""A visit over several page loads, credited to where it landed (issue 22, part 6).

A visitor on a Google results page follows a link to a shop's landing page
tagged ``?utm_source=newsletter&utm_medium=email&utm_campaign=spring``, then
loads two more pages of the shop (``/pricing`` and ``/checkout``, separate
documents whose referrer is the shop itself) and buys there with
``ka.goal("purchase", {revenue: {amount: 49.90, currency: "USD"}})``. Every
page carries the documented ``ka.js`` snippet of a real ``goalgate serve`` (a
subprocess), on SQLite and on PostgreSQL (the ``database_url`` fixture of
tests/conftest.py; PostgreSQL skips with its reason when
``GOALGATE_TEST_POSTGRES_URL`` is not set).

Chromium resolves ``www.google.com`` and ``shop.example`` to 127.0.0.1
(``--host-resolver-rules``), so all pages come from one stdlib server here
while the browser sees two sites: the landing's referrer is what a browser
really sends across sites (the origin, by the default referrer policy), and
the later pages' referrers are the shop's own pages, which are no source.

The purchase's own event carries the checkout's referrer (the shop) and no
UTM tags; goalgate must credit it to its visit (docs/tracking.md, "Visits and
attribution"): the REST goal breakdown by source, referrer domain, UTM tags
and entry page gives the landing's values, by page the checkout; the site
stats count one visitor, one visit and three pageviews.

No fixed sleeps: each page records every send ka.js starts and the status it
gets, and the test waits with a deadline for each 202 (a 202 means
committed) before it moves on; the reads are polled with a deadline too.
All of it is one anonymous visitor on one UTC day: a run that straddles
midnight UTC would see two visitors, as the docs say.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from goalgate.storage.db import Database
from tests.helpers.data import READ, WRITE, make_site, make_token, stored_events, with_db
from tests.helpers.http import bearer
from tests.helpers.server import Server
from tests.helpers.time import wait_until
from tests.helpers.tracker import INSTRUMENT, Pages, mapped_chromium, settle, shop_page

pytestmark = pytest.mark.e2e

SITE = "sk_journey0shop1"
SHOP = "shop.example"
SEARCH = "www.google.com"
UTM = "?utm_source=newsletter&utm_medium=email&utm_campaign=spring"
EVENTS_PATH = "/api/v1/analytics/events"
# What ka.js sends for the number 49.90: String(49.9).
SENT_REVENUE = {"amount": "49.9", "currency": "USD"}


@pytest.fixture
def mapped_browser(database_url: str) -> Iterator[Any]:
    """Headless Chromium that resolves the two site names to 127.0.0.1.

    Function-scoped, and after ``database_url`` on purpose: Playwright's sync
    API keeps an event loop running in this thread while it is open, and
    preparing each test's database (the SQLite template, PostgreSQL's
    TRUNCATE) calls ``asyncio.run()`` here.
    """
    with mapped_chromium(SHOP, SEARCH) as chromium:
        yield chromium


def in_thread(database_url: str, work: Any) -> Any:
    """``with_db`` in a thread of its own (this one runs Playwright's event loop)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(with_db, database_url, work).result()


def test_a_purchase_three_pages_after_landing_is_credited_to_the_landing(
    database_url: str, mapped_browser: Any, tmp_path: Path
) -> None:
    async def arrange(db: Database) -> tuple[str, str]:
        await make_site(db, SITE, domain=SHOP)
        return await make_token(db, READ, name="read"), await make_token(db, WRITE, name="goals")

    read_token, write_token = in_thread(database_url, arrange)
    server = Server(database_url, workers=1, cwd=tmp_path)
    pages: Pages | None = None
    context = None
    try:
        server.wait_ready()
        with httpx.Client(base_url=server.base_url, headers=bearer(write_token)) as client:
            response = client.post(
                f"/api/v1/analytics/sites/{SITE}/goals",
                json={
                    "name": "Purchase",
                    "type": "custom",
                    "match_type": "exact",
                    "match_value": "purchase",
                    "currency": "USD",
                },
            )
            assert response.status_code == 201, response.text
            goal = response.json()["data"]["id"]

        pages = Pages()
        shop = f"http://{SHOP}:{pages.port}"
        search = f"http://{SEARCH}:{pages.port}/"
        script = server.base_url + "/js/ka.js"
        buy = "ka.goal('purchase', {revenue: {amount: 49.90, currency: 'USD'}})"
        pages.pages.update(
            {
                "/": f'<title>Google</title><a id="result" href="{shop}/landing{UTM}">A shop</a>',
                "/landing": shop_page(SITE, script, '<a id="next" href="/pricing">Pricing</a>'),
                "/pricing": shop_page(SITE, script, '<a id="next" href="/checkout">Checkout</a>'),
                "/checkout": shop_page(
                    SITE, script, f'<button id="buy" onclick="{buy}">Pay</button>'
                ),
            }
        )

        context = mapped_browser.new_context()
        context.add_init_script(INSTRUMENT)
        # Every request the browser sends to goalgate's events route, on any page
        # (INSTRUMENT's log dies with its document), and the status it got.
        wire: list[tuple[str, str, int]] = []

        def record(response: Any) -> None:
            if response.url.endswith(EVENTS_PATH):
                wire.append((response.request.method, response.url, response.status))

        context.on("response", record)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))

        # 1. From the results page to the landing, with the campaign's tags.
        page.goto(search)
        page.click("#result")
        page.wait_for_url(shop + "/landing" + UTM)
        assert page.evaluate("document.referrer") == search
        landing = shop + "/landing" + UTM
        assert settle(page, 1) == [
            [{"site": SITE, "type": "pageview", "url": landing, "referrer": search}]
        ]

        # 2. Two more page loads: new documents, the shop as their referrer.
        page.click("#next")
        page.wait_for_url(shop + "/pricing")
        assert settle(page, 1) == [
            [{"site": SITE, "type": "pageview", "url": shop + "/pricing", "referrer": landing}]
        ]
        page.click("#next")
        page.wait_for_url(shop + "/checkout")
        checkout = {"site": SITE, "url": shop + "/checkout", "referrer": shop + "/pricing"}
        assert settle(page, 1) == [[{"type": "pageview", **checkout}]]

        # 3. The purchase, on the checkout page: no tags, the shop as its referrer.
        page.click("#buy")
        assert settle(page, 2) == [
            [{"type": "pageview", **checkout}],
            {"type": "goal", "name": "purchase", "revenue": SENT_REVENUE, **checkout},
        ]
        assert errors == []
        events_url = server.base_url + EVENTS_PATH
        # Four requests (Playwright does not report CORS preflights), each a 202.
        assert wire == [("POST", events_url, 202)] * 4

        # Stored as sent (page by page), all one visitor.
        stored = in_thread(database_url, stored_events)
        assert [(e["kind"], e["value"], e["revenue_micros"], e["currency"]) for e in stored] == [
            ("pageview", "/landing", None, None),
            ("pageview", "/pricing", None, None),
            ("pageview", "/checkout", None, None),
            ("goal", "purchase", 49_900_000, "USD"),
        ]
        assert len({e["visitor"] for e in stored}) == 1
        timestamps = [e["ts"] for e in stored]

        with httpx.Client(base_url=server.base_url, headers=bearer(read_token)) as client:

            def read(path: str, **params: str) -> Any:
                response = client.get(
                    f"/api/v1/analytics/sites/{SITE}{path}", params={"period": "7d", **params}
                )
                assert response.status_code == 200, response.text
                return json.loads(response.text, parse_float=Decimal)

            # Each 202 means committed, so the first read should already show the
            # three pageviews; the deadline only bounds the wait if it does not.
            wait_until(
                lambda: read("/stats")["data"]["pageviews"] == 3, timeout=15.0, what="pageviews"
            )
            stats = {
                "data": {
                    "visitors": 1,
                    "visits": 1,
                    "pageviews": 3,
                    "views_per_visit": Decimal("3.0"),
                    "bounce_rate": Decimal("0.0"),
                    # mean of one visit: its first event to its last, in seconds
                    "visit_duration": Decimal(max(timestamps) - min(timestamps)) / 1000,
                }
            }
            assert read("/stats") == stats

            def purchase(value: str) -> dict[str, Any]:
                return {
                    "data": [
                        {
                            "value": value,
                            "conversions": 1,
                            "unique_conversions": 1,
                            "revenue": Decimal("49.9"),
                            "conversion_rate": 1.0,
                        }
                    ]
                }

            # The visit's values (its first event's), not the checkout's own.
            credited = {
                "source": "Google",
                "referrer_domain": "google.com",
                "utm_source": "newsletter",
                "utm_medium": "email",
                "utm_campaign": "spring",
                "entry_page": "/landing",
                "page": "/checkout",  # the page stays the event's own
            }
            found = {by: read(f"/goals/{goal}/breakdown", by=by) for by in credited}
            assert found == {by: purchase(value) for by, value in credited.items()}
            assert read("/breakdown", by="source") == {
                "data": [{"value": "Google", "visitors": 1, "visits": 1}]
            }
    finally:
        if context is not None:
            context.close()
        if pages is not None:
            pages.close()
        server.stop()

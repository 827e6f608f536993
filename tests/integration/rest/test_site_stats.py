"""Site-level numbers through REST: /stats and /breakdown of a site, on both backends.

One day of traffic, worked out by hand (5 March 2024, UTC):

- alice lands on /landing from Google with utm_campaign=spring at 10:00, views
  /pricing at 10:05 and buys at 10:10: visit A, 3 events, 2 pageviews, 600 s;
- bob lands on /landing from Twitter at 11:00 and leaves: visit B, a bounce;
- alice comes back at 12:00 (110 minutes later: a new visit) to /blog with no
  referrer: visit C, a bounce;
- carol sends a custom event "signup" at 13:00 and nothing else: visit D, one
  event that is not a pageview, so not a bounce.

Visitors 3, visits 4, pageviews 4, views per visit 1.0, bounces 2 (0.5),
visit duration (600 + 0 + 0 + 0) / 4 = 150 s.
"""

from __future__ import annotations

from typing import Any

import pytest

from goalgate.storage.db import Database
from tests.helpers.data import READ, WRITE, make_site, make_token
from tests.helpers.http import EVENTS_URL, Client, bearer, error

BASE = "/api/v1/analytics/sites"
DAY = {"period": "custom", "from": "2024-03-05", "to": "2024-03-05"}
SHOP = "https://example.com"


def event(site: str, clock: str, visitor: str, **fields: Any) -> dict[str, Any]:
    return {
        "site": site,
        "type": "pageview",
        "timestamp": f"2024-03-05T{clock}:00Z",
        "visitor_id": visitor,
        **fields,
    }


async def send(client: Client, token: str, *events: dict[str, Any]) -> None:
    response = await client.post(EVENTS_URL, json=list(events), headers=bearer(token))
    assert response.status_code == 202, response.text


async def one_day(client: Client, site: str, token: str) -> None:
    landing = f"{SHOP}/landing?utm_campaign=spring"
    await send(
        client,
        token,
        event(site, "10:00", "alice", url=landing, referrer="https://www.google.com/"),
        event(site, "10:05", "alice", url=f"{SHOP}/pricing", referrer=f"{SHOP}/landing"),
        event(
            site,
            "10:10",
            "alice",
            type="goal",
            name="purchase",
            url=f"{SHOP}/checkout",
            revenue={"amount": "49.90", "currency": "USD"},
        ),
        event(site, "11:00", "bob", url=f"{SHOP}/landing", referrer="https://twitter.com/"),
        event(site, "12:00", "alice", url=f"{SHOP}/blog"),
        event(site, "13:00", "carol", type="event", name="signup", url=f"{SHOP}/signup"),
    )


async def stats(client: Client, site: str, token: str, **params: Any) -> Any:
    response = await client.get(
        f"{BASE}/{site}/stats", params={**DAY, **params}, headers=bearer(token)
    )
    assert response.status_code == 200, response.text
    return response.json()


async def test_site_stats_of_a_day(client: Client, site: str, token: str) -> None:
    await one_day(client, site, token)
    assert await stats(client, site, token) == {
        "data": {
            "visitors": 3,
            "visits": 4,
            "pageviews": 4,
            "views_per_visit": 1.0,
            "bounce_rate": 0.5,
            "visit_duration": 150.0,
        }
    }


async def test_site_stats_under_a_filter_on_the_visits_source(
    client: Client, site: str, token: str
) -> None:
    await one_day(client, site, token)
    # Every event of visit A is credited to Google, /pricing and the purchase too.
    assert await stats(client, site, token, filter="source:is:google") == {
        "data": {
            "visitors": 1,
            "visits": 1,
            "pageviews": 2,
            "views_per_visit": 2.0,
            "bounce_rate": 0.0,
            "visit_duration": 600.0,
        }
    }


async def test_a_site_without_events_has_zeros(client: Client, site: str, token: str) -> None:
    assert await stats(client, site, token) == {
        "data": {
            "visitors": 0,
            "visits": 0,
            "pageviews": 0,
            "views_per_visit": 0.0,
            "bounce_rate": 0.0,
            "visit_duration": 0.0,
        }
    }


async def test_site_breakdown_by_source_orders_by_visitors_then_value(
    client: Client, site: str, token: str
) -> None:
    await one_day(client, site, token)
    response = await client.get(
        f"{BASE}/{site}/breakdown", params={"by": "source", **DAY}, headers=bearer(token)
    )
    assert response.status_code == 200, response.text
    assert "link" not in response.headers
    # Visits C and D had no referrer: (none) holds alice (again) and carol.
    assert response.json() == {
        "data": [
            {"value": "(none)", "visitors": 2, "visits": 2},
            {"value": "Google", "visitors": 1, "visits": 1},
            {"value": "Twitter", "visitors": 1, "visits": 1},
        ]
    }


async def test_site_breakdown_pages_follow_the_link_header(
    client: Client, site: str, token: str
) -> None:
    await one_day(client, site, token)
    url = f"{BASE}/{site}/breakdown"
    first = await client.get(
        url, params={"by": "entry_page", "limit": 2, **DAY}, headers=bearer(token)
    )
    assert first.status_code == 200, first.text
    # Entry pages: /landing (A and B: alice, bob), /blog (C), /signup (D).
    assert first.json() == {
        "data": [
            {"value": "/landing", "visitors": 2, "visits": 2},
            {"value": "/blog", "visitors": 1, "visits": 1},
        ]
    }
    link = first.headers["link"]
    assert link.startswith(f"<{url}?")
    assert link.endswith('>; rel="next"')
    second = await client.get(link[1 : link.index(">")], headers=bearer(token))
    assert second.json() == {"data": [{"value": "/signup", "visitors": 1, "visits": 1}]}
    assert "link" not in second.headers


@pytest.mark.parametrize(
    ("params", "fields"),
    [
        ({"by": "colour"}, ["by"]),
        ({}, ["by"]),
        ({"by": "source", "limit": 0}, ["limit"]),
        ({"by": "source", "after": "nonsense"}, ["after"]),
        ({"by": "source", "period": "week"}, ["period"]),
        ({"by": "source", "filter": "device:is:fridge"}, ["filter"]),
    ],
)
async def test_bad_site_breakdown_parameters_are_422_naming_the_field(
    client: Client, site: str, token: str, params: dict[str, Any], fields: list[str]
) -> None:
    response = await client.get(f"{BASE}/{site}/breakdown", params=params, headers=bearer(token))
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "validation_error"
    assert list(response.json()["error"]["fields"]) == fields


async def test_site_routes_need_read_scope_and_a_visible_site(
    client: Client, db: Database, site: str
) -> None:
    url = f"{BASE}/{site}/stats"
    assert (await client.get(url)).status_code == 401
    writer = await make_token(db, WRITE)
    forbidden = await client.get(url + "?filter=colour:is:red", headers=bearer(writer))
    assert (forbidden.status_code, forbidden.json()) == (
        403,
        error(
            "forbidden", "this token lacks the analytics:read scope", {"scope": "analytics:read"}
        ),
    )
    other = await make_site(db, "sk_other_site")
    elsewhere = await make_token(db, READ, sites=[other])
    for path in ("stats", "breakdown?by=source", "funnel?steps=a,b"):
        hidden = await client.get(f"{BASE}/{site}/{path}", headers=bearer(elsewhere))
        assert (hidden.status_code, hidden.json()) == (404, error("not_found", "site not found"))

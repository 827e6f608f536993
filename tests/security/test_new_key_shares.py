"""One client cannot use up a site's new keys, and junk dimension values cannot starve pages.

The review's attack: one anonymous batch of events with new paths, referrers
and campaign tags used a site's whole daily allowance of new keys, so a real
visitor's new page, from another address, counted under "(other)" and its
campaign too. Now each client IP (an IPv6 client by its /64) may add at most
its share of a site's new keys a day (a tenth by default), and dimension
values have an allowance of their own beside paths and names.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from goalgate.app import create_app
from goalgate.settings import Settings
from goalgate.storage.db import Database
from tests.helpers.data import make_site, make_token
from tests.helpers.http import EVENTS_URL, Client, bearer, goal_body
from tests.helpers.ratelimit import pin_clock

SITE = "sk_abc123def456"
GOALS = f"/api/v1/analytics/sites/{SITE}/goals"
# 30 s into a UTC day: the daily windows of the allowances are exact.
NOW = (int(time.time()) // 86_400) * 86_400 + 30.25
ATTACKER = "203.0.113.1"
VISITOR = "198.51.100.2"


@pytest.fixture
def limits() -> dict[str, Any]:
    return {}


@pytest.fixture
async def proxied(settings: Settings, limits: dict[str, Any]) -> AsyncIterator[Client]:
    update = {"forwarded_allow_ips": "testclient", **limits}
    app = create_app(settings.model_copy(update=update))
    async with AsyncTestClient(app=app) as client:
        pin_clock(app, NOW)
        yield client


async def send(client: Client, ip: str, events: list[dict[str, Any]]) -> None:
    response = await client.post(EVENTS_URL, json=events, headers={"X-Forwarded-For": ip})
    assert (response.status_code, response.json()) == (202, {"data": {"accepted": len(events)}})


async def goal(client: Client, token: str, **spec: Any) -> str:
    response = await client.post(GOALS, json=goal_body(**spec), headers=bearer(token))
    assert response.status_code == 201, response.text
    return str(response.json()["data"]["id"])


async def conversions(client: Client, token: str, goal_id: str) -> int:
    response = await client.get(
        f"{GOALS}/{goal_id}/stats", params={"period": "7d"}, headers=bearer(token)
    )
    assert response.status_code == 200, response.text
    count: int = response.json()["data"]["conversions"]
    return count


async def breakdown(client: Client, token: str, goal_id: str, by: str) -> list[dict[str, Any]]:
    response = await client.get(
        f"{GOALS}/{goal_id}/breakdown", params={"by": by, "period": "7d"}, headers=bearer(token)
    )
    assert response.status_code == 200, response.text
    rows: list[dict[str, Any]] = response.json()["data"]
    return rows


def row(value: str, conversions: int) -> dict[str, Any]:
    return {
        "value": value,
        "conversions": conversions,
        "unique_conversions": 1,
        "revenue": None,
        "conversion_rate": 1.0,
    }


def junk(i: int) -> dict[str, Any]:
    """A pageview bringing a new path and 7 new dimension values."""
    tags = "&".join(
        f"utm_{tag}=j{i}" for tag in ("source", "medium", "campaign", "content", "term")
    )
    return {
        "site": SITE,
        "type": "pageview",
        "url": f"https://example.com/junk{i}?{tags}",
        "referrer": f"https://ref{i}.example.net/",
    }


# A site may add 100 new paths and names a day: one client, 10 of them.
@pytest.mark.parametrize("limits", [{"max_new_keys_per_day": 100}])
async def test_one_clients_junk_leaves_another_clients_new_page_and_campaign_their_values(
    proxied: Client, db: Database
) -> None:
    await make_site(db, SITE)
    token = await make_token(db)
    launch = await goal(proxied, token, type="pageview", match_value="/launch")
    junk_pages = await goal(
        proxied, token, name="Junk", type="pageview", match_type="contains", match_value="/junk"
    )
    await send(proxied, ATTACKER, [junk(i) for i in range(100)])
    page = {
        "site": SITE,
        "type": "pageview",
        "url": "https://example.com/launch?utm_campaign=Spring",
    }
    await send(proxied, VISITOR, [page])

    assert await conversions(proxied, token, launch) == 1
    assert await breakdown(proxied, token, launch, "utm_campaign") == [row("spring", 1)]
    # The attacker's share: 10 of its 100 new paths, the rest under "(other)".
    assert await conversions(proxied, token, junk_pages) == 10


# One client may take the site's whole allowances: only their split is tested.
@pytest.mark.parametrize("limits", [{"max_new_keys_per_day": 20, "max_new_keys_per_client_day": 0}])
async def test_junk_dimension_values_never_starve_new_pages_and_names(
    proxied: Client, db: Database
) -> None:
    await make_site(db, SITE)
    token = await make_token(db)
    signup = await goal(proxied, token)
    launch = await goal(proxied, token, name="Launch", type="pageview", match_value="/launch")
    # A visitor each: the events of one visitor would be one visit, all
    # credited to its first event's campaign.
    campaigns = [
        {
            "site": SITE,
            "type": "event",
            "name": "signup",
            "utm_campaign": f"c{i:02}",
            "visitor_id": f"v{i:02}",
        }
        for i in range(30)
    ]
    await send(proxied, ATTACKER, campaigns)
    await send(proxied, ATTACKER, [{"site": SITE, "type": "pageview", "path": "/launch"}])

    assert await conversions(proxied, token, launch) == 1
    assert await conversions(proxied, token, signup) == 30
    # 20 new campaigns a day; the 10 past them count under "(other)".
    rows = await breakdown(proxied, token, signup, "utm_campaign")
    assert rows[0] == {**row("(other)", 10), "unique_conversions": 10}
    assert sorted(r["value"] for r in rows[1:]) == [f"c{i:02}" for i in range(len(rows) - 1)]

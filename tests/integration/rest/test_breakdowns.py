"""GET .../goals/{id}/breakdown and the filter parameters of stats, through REST."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from goalgate.storage.db import Database
from tests.helpers.breakdowns import write_sample
from tests.helpers.data import READ, WRITE, make_site, make_token
from tests.helpers.http import Client, bearer, error, goal_body

BASE = "/api/v1/analytics/sites"
MARCH = {"period": "custom", "from": "2024-03-01", "to": "2024-03-31"}


async def arranged(client: Client, db: Database, site: str, token: str, **goal: Any) -> str:
    body = goal_body(name="Buy", type="custom", match_value="buy", currency="USD", **goal)
    created = await client.post(f"{BASE}/{site}/goals", json=body, headers=bearer(token))
    assert created.status_code == 201, created.text
    await write_sample(db, site)
    return str(created.json()["data"]["id"])


async def test_breakdown_by_source_answers_the_documented_rows(
    client: Client, db: Database, site: str, token: str
) -> None:
    goal = await arranged(client, db, site, token)
    response = await client.get(
        f"{BASE}/{site}/goals/{goal}/breakdown",
        params={"by": "source", **MARCH},
        headers=bearer(token),
    )
    assert response.status_code == 200, response.text
    assert response.json() == {
        "data": [
            {"value": "Google", "conversions": 2, "unique_conversions": 1, "revenue": 12.0,
             "conversion_rate": 1.0},
            {"value": "(none)", "conversions": 1, "unique_conversions": 1, "revenue": 0.0,
             "conversion_rate": 1.0},
            {"value": "Twitter", "conversions": 1, "unique_conversions": 1, "revenue": 6.0,
             "conversion_rate": 0.5},
        ],
    }  # fmt: skip
    assert "link" not in response.headers  # the only page
    assert b'"revenue":12.00' in response.content


async def test_breakdown_pages_with_limit_and_next(
    client: Client, db: Database, site: str, token: str
) -> None:
    goal = await arranged(client, db, site, token)
    url = f"{BASE}/{site}/goals/{goal}/breakdown"
    params: dict[str, Any] = {"by": "entry_page", "limit": 2, **MARCH}
    first = await client.get(url, params=params, headers=bearer(token))
    # Entry pages of visits: visitor 1's two visits start on /pricing (09:00 on
    # /home is more than 30 minutes before), visitor 3's has no page.
    assert [row["value"] for row in first.json()["data"]] == ["/pricing", "(none)"]
    # The next page is the same request with after= the cursor (RFC 8288 Link).
    link = first.headers["link"]
    assert link.startswith(f"<{url}?by=entry_page&limit=2&")
    assert link.endswith('>; rel="next"')
    next_url = link[1 : link.index(">")]
    after = parse_qs(urlsplit(next_url).query)["after"]
    assert len(after) == 1
    second = await client.get(next_url, headers=bearer(token))
    assert "link" not in second.headers
    assert second.json() == {
        "data": [
            {"value": "/blog", "conversions": 1, "unique_conversions": 1, "revenue": 6.0,
             "conversion_rate": 1.0},
        ],
    }  # fmt: skip


async def test_filters_apply_to_breakdown_and_stats(
    client: Client, db: Database, site: str, token: str
) -> None:
    goal = await arranged(client, db, site, token)
    filtered = [("filter", "source:is_not:google"), ("filter", "device:is:mobile|(unknown)")]
    stats = await client.get(
        f"{BASE}/{site}/goals/{goal}/stats",
        params=[*MARCH.items(), *filtered],
        headers=bearer(token),
    )
    assert stats.json() == {"data": {"conversions": 2, "unique_conversions": 2, "revenue": 6.0}}
    rows = await client.get(
        f"{BASE}/{site}/goals/{goal}/breakdown",
        params=[("by", "device"), *MARCH.items(), *filtered],
        headers=bearer(token),
    )
    assert [(r["value"], r["conversions"]) for r in rows.json()["data"]] == [
        ("(unknown)", 1),
        ("Mobile", 1),
    ]


@pytest.mark.parametrize(
    ("params", "fields"),
    [
        ({"by": "colour"}, ["by"]),
        ({}, ["by"]),
        ({"by": "source", "limit": "ten"}, ["limit"]),
        ({"by": "source", "limit": 0}, ["limit"]),
        ({"by": "source", "after": "nonsense"}, ["after"]),
        ({"by": "source", "filter": "country:is:XX"}, ["filter"]),
        ({"by": "source", "filter": "source"}, ["filter"]),
        ({"by": "source", "filter": "source:like:x"}, ["filter"]),
    ],
)
async def test_bad_breakdown_parameters_are_422_naming_the_field(
    client: Client, db: Database, site: str, token: str, params: dict[str, Any], fields: list[str]
) -> None:
    goal = await arranged(client, db, site, token)
    response = await client.get(
        f"{BASE}/{site}/goals/{goal}/breakdown", params=params, headers=bearer(token)
    )
    assert response.status_code == 422, response.text
    body = response.json()["error"]
    assert body["code"] == "validation_error"
    assert list(body["fields"]) == fields


async def test_unknown_by_names_the_dimensions(
    client: Client, db: Database, site: str, token: str
) -> None:
    goal = await arranged(client, db, site, token)
    response = await client.get(
        f"{BASE}/{site}/goals/{goal}/breakdown", params={"by": "colour"}, headers=bearer(token)
    )
    assert response.json() == error(
        "validation_error",
        "by is not valid",
        {
            "by": "must be one of source, referrer_domain, utm_source, utm_medium, "
            "utm_campaign, utm_content, utm_term, page, entry_page, country, device, "
            "browser, os"
        },
    )


async def test_breakdown_needs_a_token_with_read_scope_on_the_site(
    client: Client, db: Database, site: str, token: str
) -> None:
    goal = await arranged(client, db, site, token)
    url = f"{BASE}/{site}/goals/{goal}/breakdown?by=source"
    assert (await client.get(url)).status_code == 401
    writer = await make_token(db, WRITE)
    forbidden = await client.get(url, headers=bearer(writer))
    assert forbidden.status_code == 403
    assert forbidden.json() == error(
        "forbidden", "this token lacks the analytics:read scope", {"scope": "analytics:read"}
    )
    # The scope is checked before any parameter: no 422 about a filter first.
    malformed = await client.get(url + "&filter=colour:is:red", headers=bearer(writer))
    assert (malformed.status_code, malformed.json()) == (403, forbidden.json())
    other = await make_site(db, "sk_other_site")
    elsewhere = await make_token(db, READ, sites=[other])
    hidden = await client.get(url, headers=bearer(elsewhere))
    assert hidden.status_code == 404
    assert hidden.json() == error("not_found", "site not found")

"""GET .../goals/{id}/stats end to end: events in through ingestion, numbers out.

Every number here is exact: events are backfilled with timestamps (a token
with analytics:write), goals are made through the REST route, and stats are
read over custom periods of the site's own calendar.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from goalgate.storage.db import Database
from tests.helpers.data import READ, WRITE, make_site, make_token
from tests.helpers.http import EVENTS_URL, Client, bearer, error

BASE = "/api/v1/analytics/sites"
BERLIN = "Europe/Berlin"


async def send(client: Client, token: str, events: list[dict[str, Any]], **headers: str) -> None:
    response = await client.post(EVENTS_URL, json=events, headers={**bearer(token), **headers})
    assert response.status_code == 202, response.text
    assert response.json() == {"data": {"accepted": len(events)}}


async def make_goal(client: Client, site: str, token: str, **fields: Any) -> str:
    body = {"name": "Goal", "type": "event", "match_type": "exact", "match_value": "x", **fields}
    response = await client.post(f"{BASE}/{site}/goals", json=body, headers=bearer(token))
    assert response.status_code == 201, response.text
    goal_id: str = response.json()["data"]["id"]
    return goal_id


async def stats(client: Client, site: str, goal: str, token: str, **params: str) -> Any:
    response = await client.get(
        f"{BASE}/{site}/goals/{goal}/stats", params=params, headers=bearer(token)
    )
    assert response.status_code == 200, response.text
    return response.json()


def custom(first: str, last: str | None = None) -> dict[str, str]:
    return {"period": "custom", "from": first, "to": last or first}


def numbers(conversions: int, uniques: int, revenue: Any = None) -> dict[str, Any]:
    return {"data": {"conversions": conversions, "unique_conversions": uniques, "revenue": revenue}}


def at(site: str, timestamp: str, *, kind: str = "event", value: str = "x", **extra: Any) -> Any:
    field = "path" if kind == "pageview" else "name"
    return {"site": site, "type": kind, field: value, "timestamp": timestamp, **extra}


# --- periods on a non-UTC calendar -------------------------------------------


@pytest.fixture
async def berlin(db: Database) -> str:
    return await make_site(db, "sk_berlin", timezone=BERLIN)


SPRING_FORWARD = [  # 2024-03-31 in Berlin lasts 23 hours: 2024-03-30T23:00Z..2024-03-31T22:00Z
    "2024-03-30T22:59:59.999Z",  # 2024-03-30 23:59:59.999 CET
    "2024-03-30T23:00:00Z",  # 2024-03-31 00:00 CET
    "2024-03-30T23:30:00Z",  # 2024-03-31 00:30 CET
    "2024-03-31T00:59:59Z",  # 01:59:59 CET, the last second before the jump
    "2024-03-31T01:00:00Z",  # 03:00 CEST
    "2024-03-31T21:59:59Z",  # 2024-03-31 23:59:59 CEST
    "2024-03-31T22:00:00Z",  # 2024-04-01 00:00 CEST
]
FALL_BACK = [  # 2024-10-27 in Berlin lasts 25 hours: 2024-10-26T22:00Z..2024-10-27T23:00Z
    "2024-10-26T21:59:59Z",  # 2024-10-26 23:59:59 CEST
    "2024-10-26T22:00:00Z",  # 2024-10-27 00:00 CEST
    "2024-10-27T00:30:00Z",  # 02:30 CEST, the first time
    "2024-10-27T01:30:00Z",  # 02:30 CET, the second time
    "2024-10-27T22:59:59Z",  # 2024-10-27 23:59:59 CET
    "2024-10-27T23:00:00Z",  # 2024-10-28 00:00 CET
]
MONTHS = [
    "2023-12-31T22:59:00Z",  # 2023-12-31 23:59 CET
    "2023-12-31T23:00:00Z",  # 2024-01-01 00:00 CET
    "2024-01-31T22:59:59Z",  # 2024-01-31 23:59:59 CET
    "2024-01-31T23:30:00Z",  # 2024-02-01 00:30 CET
    "2024-02-29T23:00:00Z",  # 2024-03-01 00:00 CET (leap year)
]


async def test_days_at_the_dst_and_month_boundaries_follow_the_site_calendar(
    client: Client, berlin: str, token: str
) -> None:
    stamps = SPRING_FORWARD + FALL_BACK + MONTHS
    await send(client, token, [at(berlin, stamp, visitor_id=stamp) for stamp in stamps])
    goal = await make_goal(client, berlin, token)
    expected = {
        ("2024-03-30", None): 1,
        ("2024-03-31", None): 5,  # the 23-hour day
        ("2024-04-01", None): 1,
        ("2024-03-30", "2024-04-01"): 7,
        ("2024-10-26", None): 1,
        ("2024-10-27", None): 4,  # the 25-hour day, 02:30 twice
        ("2024-10-28", None): 1,
        ("2023-12-31", None): 1,
        ("2024-01-01", None): 1,
        ("2024-01-01", "2024-01-31"): 2,
        ("2024-02-01", "2024-02-29"): 1,
        ("2024-03-01", "2024-03-31"): 7,
        ("2024-02-29", None): 0,
        ("2024-01-01", "2024-12-31"): 17,
        ("2023-01-01", "2023-12-31"): 1,
    }
    for (first, last), count in expected.items():
        body = await stats(client, berlin, goal, token, **custom(first, last))
        assert body == numbers(count, count), (first, last)


async def test_the_same_instant_is_another_day_on_a_utc_site(
    client: Client, site: str, berlin: str, token: str
) -> None:
    """2024-03-30T23:30:00Z is 2024-03-30 in UTC but 2024-03-31 in Berlin."""
    await send(
        client, token, [at(s, "2024-03-30T23:30:00Z", visitor_id="v") for s in (site, berlin)]
    )
    utc_goal = await make_goal(client, site, token)
    berlin_goal = await make_goal(client, berlin, token)
    assert await stats(client, site, utc_goal, token, **custom("2024-03-30")) == numbers(1, 1)
    assert await stats(client, site, utc_goal, token, **custom("2024-03-31")) == numbers(0, 0)
    assert await stats(client, berlin, berlin_goal, token, **custom("2024-03-30")) == numbers(0, 0)
    assert await stats(client, berlin, berlin_goal, token, **custom("2024-03-31")) == numbers(1, 1)


def local_noon(days_ago: int) -> str:
    today = datetime.now(ZoneInfo(BERLIN)).date()
    day = today - timedelta(days=days_ago)
    return datetime.combine(day, time(12), ZoneInfo(BERLIN)).astimezone(UTC).isoformat()


def months_ago_first(months: int) -> date:
    today = datetime.now(ZoneInfo(BERLIN)).date()
    index = today.year * 12 + today.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


def noon_of(day: date) -> str:
    return datetime.combine(day, time(12), ZoneInfo(BERLIN)).astimezone(UTC).isoformat()


async def test_the_named_periods_count_whole_days_back_from_today(
    client: Client, berlin: str, token: str
) -> None:
    first_12mo = months_ago_first(11)
    stamps = [
        local_noon(1),  # 7d, 30d, 12mo
        local_noon(6),  # 7d, 30d, 12mo
        local_noon(7),  # 30d, 12mo
        local_noon(29),  # 30d, 12mo
        local_noon(30),  # 12mo
        noon_of(first_12mo),  # 12mo
        noon_of(first_12mo - timedelta(days=1)),  # none
    ]
    await send(client, token, [at(berlin, s, visitor_id=str(i)) for i, s in enumerate(stamps)])
    goal = await make_goal(client, berlin, token)
    assert await stats(client, berlin, goal, token, period="7d") == numbers(2, 2)
    assert await stats(client, berlin, goal, token, period="30d") == numbers(4, 4)
    assert await stats(client, berlin, goal, token) == numbers(4, 4)  # 30d is the default
    assert await stats(client, berlin, goal, token, period="12mo") == numbers(6, 6)


# --- match types with tricky strings -----------------------------------------

PATHS = [
    "/100%-off",
    "/100-off",
    "/50%",
    "/pricing",
    "/pricing/",
    "/Pricing",
    "/café",
    "/cafe",
    "/blog/42",
    "/blog/42/comments",
    "/en/blog/7",
    "/blog/abc",
    "/a.b",
    "/aXb",
    "/thank-you",
    "/thank-you/",
    "/price$",
    "/^start",
]
NAMES = ["sign_up", "signXup", "signup", "Signup", "注册", "contact_sales", "contact-form"]


@pytest.mark.parametrize(
    ("goal", "conversions"),
    [
        ({"type": "pageview", "match_type": "contains", "match_value": "%"}, 2),
        ({"type": "pageview", "match_type": "contains", "match_value": "100%"}, 1),
        ({"type": "pageview", "match_type": "exact", "match_value": "/pricing"}, 1),
        ({"type": "pageview", "match_type": "exact", "match_value": "/pricing/"}, 1),
        ({"type": "pageview", "match_type": "contains", "match_value": "/pricing"}, 2),
        ({"type": "pageview", "match_type": "contains", "match_value": "pricing"}, 2),
        ({"type": "pageview", "match_type": "exact", "match_value": "/café"}, 2),
        ({"type": "pageview", "match_type": "contains", "match_value": "é"}, 2),
        ({"type": "pageview", "match_type": "regex", "match_value": r"^/blog/\d+$"}, 1),
        ({"type": "pageview", "match_type": "regex", "match_value": r"/blog/\d+"}, 3),
        ({"type": "pageview", "match_type": "regex", "match_value": r"^/blog/\d+"}, 2),
        ({"type": "pageview", "match_type": "regex", "match_value": r"^/a.b$"}, 2),
        ({"type": "pageview", "match_type": "regex", "match_value": r"^/a\.b$"}, 1),
        ({"type": "pageview", "match_type": "regex", "match_value": "^/thank-you/?$"}, 2),
        ({"type": "pageview", "match_type": "regex", "match_value": "^/thank-you$"}, 1),
        ({"type": "pageview", "match_type": "contains", "match_value": "$"}, 1),
        ({"type": "pageview", "match_type": "contains", "match_value": "^"}, 1),
        ({"type": "pageview", "match_type": "regex", "match_value": r"\$$"}, 1),
        ({"type": "pageview", "match_type": "regex", "match_value": "^/caf(é|e)$"}, 3),
        ({"type": "event", "match_type": "contains", "match_value": "n_u"}, 1),
        ({"type": "event", "match_type": "contains", "match_value": "_"}, 2),
        ({"type": "event", "match_type": "exact", "match_value": "signup"}, 1),
        ({"type": "event", "match_type": "exact", "match_value": "注册"}, 1),
        ({"type": "event", "match_type": "regex", "match_value": "^contact[_-]"}, 2),
        ({"type": "event", "match_type": "regex", "match_value": "(?i)^signup$"}, 2),
        ({"type": "custom", "match_type": "exact", "match_value": "signup"}, 3),
        ({"type": "custom", "match_type": "contains", "match_value": "sign"}, 3),
    ],
)
async def test_each_match_type_on_tricky_strings(
    client: Client, site: str, token: str, goal: dict[str, Any], conversions: int
) -> None:
    stamp = "2024-05-05T12:00:00Z"
    events = [at(site, stamp, kind="pageview", value=path, visitor_id=path) for path in PATHS]
    events.append(at(site, stamp, kind="pageview", value="/caf%C3%A9", visitor_id="c"))
    events += [at(site, stamp, value=name, visitor_id=name) for name in NAMES]
    # ka.goal("signup") three times: only custom goals see them.
    events += [at(site, stamp, kind="goal", value="signup", visitor_id="g") for _ in range(3)]
    await send(client, token, events)
    goal_id = await make_goal(client, site, token, **goal)
    expected_uniques = 1 if goal["type"] == "custom" else conversions
    body = await stats(client, site, goal_id, token, **custom("2024-05-05"))
    assert body == numbers(conversions, expected_uniques)


async def test_a_url_with_percent_encoding_matches_the_decoded_path(
    client: Client, site: str, token: str
) -> None:
    await send(
        client,
        token,
        [
            {
                "site": site,
                "type": "pageview",
                "url": "https://example.com/caf%C3%A9?x=%25",
                "timestamp": "2024-05-05T12:00:00Z",
            }
        ],
    )
    goal = await make_goal(client, site, token, type="pageview", match_value="/café")
    assert await stats(client, site, goal, token, **custom("2024-05-05")) == numbers(1, 1)


# --- unique visitors -----------------------------------------------------------


async def test_the_same_visitor_id_twice_is_one_unique_conversion(
    client: Client, site: str, token: str
) -> None:
    events = [
        at(site, "2024-05-01T10:00:00Z", visitor_id="alice"),
        at(site, "2024-05-03T10:00:00Z", visitor_id="alice"),
        at(site, "2024-05-03T11:00:00Z", visitor_id="alice"),
        at(site, "2024-05-02T10:00:00Z", visitor_id="bob"),
        at(site, "2024-05-02T10:00:00Z", visitor_id="Bob"),  # ids are case-sensitive
    ]
    await send(client, token, events)
    goal = await make_goal(client, site, token)
    assert await stats(client, site, goal, token, **custom("2024-05-01", "2024-05-03")) == numbers(
        5, 3
    )
    assert await stats(client, site, goal, token, **custom("2024-05-03")) == numbers(2, 1)


async def test_visitor_ids_are_per_site(
    client: Client, site: str, token: str, db: Database
) -> None:
    other = await make_site(db, "sk_other_site")
    await send(
        client,
        token,
        [at(s, "2024-05-01T10:00:00Z", visitor_id="alice") for s in (site, other, site)],
    )
    goal = await make_goal(client, site, token)
    assert await stats(client, site, goal, token, **custom("2024-05-01")) == numbers(2, 1)


async def test_anonymous_visitors_are_told_apart_by_user_agent(
    client: Client, site: str, token: str
) -> None:
    event = {"site": site, "type": "event", "name": "x"}
    for agent in ["Firefox/133", "Firefox/133", "Chrome/131", "Safari/18"]:
        response = await client.post(EVENTS_URL, json=event, headers={"User-Agent": agent})
        assert response.status_code == 202
    goal = await make_goal(client, site, token)
    assert await stats(client, site, goal, token, period="7d") == numbers(4, 3)


# --- revenue -----------------------------------------------------------------

STAMP = "2024-06-01T12:00:00Z"


def purchase(site: str, amount: Any, currency: str, who: str = "v") -> dict[str, Any]:
    return at(
        site,
        STAMP,
        kind="goal",
        value="purchase",
        visitor_id=who,
        revenue={"amount": amount, "currency": currency},
    )


async def raw_stats(client: Client, site: str, goal: str, token: str) -> bytes:
    response = await client.get(
        f"{BASE}/{site}/goals/{goal}/stats", params=custom("2024-06-01"), headers=bearer(token)
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    return response.content


async def test_cents_are_summed_exactly(client: Client, site: str, token: str) -> None:
    await send(client, token, [purchase(site, "0.10", "USD"), purchase(site, 0.2, "USD", "w")])
    goal = await make_goal(
        client, site, token, type="custom", match_value="purchase", currency="USD"
    )
    raw = await raw_stats(client, site, goal, token)
    assert raw == b'{"data":{"conversions":2,"unique_conversions":2,"revenue":0.30}}'


async def test_revenue_in_another_currency_is_counted_but_not_summed(
    client: Client, site: str, token: str
) -> None:
    events = [
        purchase(site, "19.99", "USD"),
        purchase(site, "0.01", "usd"),
        purchase(site, "100", "EUR"),
        purchase(site, "5000", "JPY"),
        at(site, STAMP, kind="goal", value="purchase", visitor_id="v"),  # no revenue
    ]
    await send(client, token, events)
    usd = await make_goal(
        client, site, token, name="USD", type="custom", match_value="purchase", currency="USD"
    )
    eur = await make_goal(
        client, site, token, name="EUR", type="custom", match_value="purchase", currency="EUR"
    )
    jpy = await make_goal(
        client, site, token, name="JPY", type="custom", match_value="purchase", currency="JPY"
    )
    gbp = await make_goal(
        client, site, token, name="GBP", type="custom", match_value="purchase", currency="GBP"
    )
    none = await make_goal(client, site, token, name="None", type="custom", match_value="purchase")
    assert await raw_stats(client, site, usd, token) == (
        b'{"data":{"conversions":5,"unique_conversions":1,"revenue":20.00}}'
    )
    assert await raw_stats(client, site, eur, token) == (
        b'{"data":{"conversions":5,"unique_conversions":1,"revenue":100.00}}'
    )
    assert await raw_stats(client, site, jpy, token) == (
        b'{"data":{"conversions":5,"unique_conversions":1,"revenue":5000}}'
    )
    assert await raw_stats(client, site, gbp, token) == (
        b'{"data":{"conversions":5,"unique_conversions":1,"revenue":0.00}}'
    )
    assert await raw_stats(client, site, none, token) == (
        b'{"data":{"conversions":5,"unique_conversions":1,"revenue":null}}'
    )


async def test_a_goal_with_a_currency_and_no_conversions_has_revenue_0(
    client: Client, site: str, token: str
) -> None:
    goal = await make_goal(
        client, site, token, type="custom", match_value="purchase", currency="USD"
    )
    assert await stats(client, site, goal, token) == numbers(0, 0, 0)
    assert await raw_stats(client, site, goal, token) == (
        b'{"data":{"conversions":0,"unique_conversions":0,"revenue":0.00}}'
    )


async def test_a_goal_without_currency_has_revenue_null(
    client: Client, site: str, token: str
) -> None:
    goal = await make_goal(client, site, token)
    assert await stats(client, site, goal, token) == numbers(0, 0, None)


async def test_many_small_amounts_sum_without_drift(client: Client, site: str, token: str) -> None:
    await send(client, token, [purchase(site, 0.1, "USD", str(i)) for i in range(1000)])
    goal = await make_goal(
        client, site, token, type="custom", match_value="purchase", currency="USD"
    )
    raw = await raw_stats(client, site, goal, token)
    assert raw == b'{"data":{"conversions":1000,"unique_conversions":1000,"revenue":100.00}}'


async def test_sub_cent_revenue_is_rounded_half_even_only_when_shown(
    client: Client, site: str, token: str
) -> None:
    await send(client, token, [purchase(site, "0.005", "USD"), purchase(site, "0.0049", "USD")])
    goal = await make_goal(
        client, site, token, type="custom", match_value="purchase", currency="USD"
    )
    # 0.0099 exactly inside, shown as 0.01.
    assert await raw_stats(client, site, goal, token) == (
        b'{"data":{"conversions":2,"unique_conversions":1,"revenue":0.01}}'
    )


# --- goals come and go, events stay -----------------------------------------------


async def test_a_deleted_then_recreated_goal_shows_the_same_stats(
    client: Client, site: str, token: str
) -> None:
    await send(
        client,
        token,
        [purchase(site, "10.50", "USD", "a"), purchase(site, "4.50", "USD", "b")],
    )
    fields = {"type": "custom", "match_value": "purchase", "currency": "USD"}
    goal = await make_goal(client, site, token, **fields)
    before = await stats(client, site, goal, token, **custom("2024-06-01"))
    assert before == numbers(2, 2, 15.0)
    deleted = await client.delete(f"{BASE}/{site}/goals/{goal}", headers=bearer(token))
    assert deleted.status_code == 200
    gone = await client.get(
        f"{BASE}/{site}/goals/{goal}/stats", params=custom("2024-06-01"), headers=bearer(token)
    )
    assert gone.status_code == 404
    again = await make_goal(client, site, token, **fields)
    assert again != goal
    assert await stats(client, site, again, token, **custom("2024-06-01")) == before


async def test_editing_a_goal_applies_to_past_events(client: Client, site: str, token: str) -> None:
    await send(
        client,
        token,
        [at(site, STAMP, kind="pageview", value=p, visitor_id=p) for p in ("/a", "/b", "/b")],
    )
    goal = await make_goal(client, site, token, type="pageview", match_value="/a")
    assert await stats(client, site, goal, token, **custom("2024-06-01")) == numbers(1, 1)
    response = await client.patch(
        f"{BASE}/{site}/goals/{goal}", json={"match_value": "/b"}, headers=bearer(token)
    )
    assert response.status_code == 200
    assert await stats(client, site, goal, token, **custom("2024-06-01")) == numbers(2, 1)


async def test_events_arriving_after_a_stats_read_are_counted_next_time(
    client: Client, site: str, token: str
) -> None:
    """The per-process dictionary mirror picks up keys added after its first read."""
    goal = await make_goal(client, site, token, match_type="contains", match_value="sign")
    assert await stats(client, site, goal, token, **custom("2024-06-01")) == numbers(0, 0)
    await send(client, token, [at(site, STAMP, value="signup", visitor_id="a")])
    assert await stats(client, site, goal, token, **custom("2024-06-01")) == numbers(1, 1)
    await send(client, token, [at(site, STAMP, value="signin", visitor_id="b")])
    assert await stats(client, site, goal, token, **custom("2024-06-01")) == numbers(2, 2)


# --- the route's own errors -------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "message", "fields"),
    [
        ({"period": "90d"}, "Unknown period.", {"period": "must be one of 7d, 30d, 12mo, custom"}),
        ({"period": ""}, "Unknown period.", {"period": "must be one of 7d, 30d, 12mo, custom"}),
        (
            {"from": "2024-01-01"},
            "from and to are only allowed with period=custom.",
            {"from": "only allowed with period=custom"},
        ),
        (
            {"period": "30d", "from": "2024-01-01", "to": "2024-01-31"},
            "from and to are only allowed with period=custom.",
            {"from": "only allowed with period=custom", "to": "only allowed with period=custom"},
        ),
        (
            {"period": "custom"},
            "period=custom needs from and to.",
            {"from": "required when period=custom", "to": "required when period=custom"},
        ),
        (
            {"period": "custom", "from": "2024-01-01"},
            "period=custom needs from and to.",
            {"to": "required when period=custom"},
        ),
        (
            {"period": "custom", "from": "2024-02-30", "to": "01/03/2024"},
            "Invalid date.",
            {"from": "must be a date YYYY-MM-DD", "to": "must be a date YYYY-MM-DD"},
        ),
        (
            {"period": "custom", "from": "2024-03-02", "to": "2024-03-01"},
            "from must not be after to.",
            {"from": "must not be after to"},
        ),
        (
            {"period": "custom", "from": "2000-01-01", "to": "2024-01-01"},
            "Custom range too long.",
            {"to": "must be at most 3660 days from from"},
        ),
    ],
)
async def test_bad_period_parameters_are_422_naming_them(
    client: Client,
    site: str,
    token: str,
    params: dict[str, str],
    message: str,
    fields: dict[str, str],
) -> None:
    goal = await make_goal(client, site, token)
    response = await client.get(
        f"{BASE}/{site}/goals/{goal}/stats", params=params, headers=bearer(token)
    )
    assert response.status_code == 422
    assert response.json() == error("validation_error", message, fields)


async def test_stats_need_a_token_with_read_scope(
    client: Client, site: str, token: str, db: Database
) -> None:
    goal = await make_goal(client, site, token)
    url = f"{BASE}/{site}/goals/{goal}/stats"
    anonymous = await client.get(url)
    assert anonymous.status_code == 401
    assert anonymous.json() == error(
        "unauthenticated", "an Authorization: Bearer token is required"
    )
    writer = await make_token(db, WRITE)
    forbidden = await client.get(url, headers=bearer(writer))
    assert forbidden.status_code == 403
    assert forbidden.json() == error(
        "forbidden", "this token lacks the analytics:read scope", {"scope": "analytics:read"}
    )
    other = await make_site(db, "sk_other_site")
    elsewhere = await make_token(db, READ, sites=[other])
    hidden = await client.get(url, headers=bearer(elsewhere))
    assert hidden.status_code == 404
    assert hidden.json() == error("not_found", "site not found")
    unknown = await client.get(
        f"{BASE}/{site}/goals/00000000-0000-0000-0000-000000000000/stats", headers=bearer(token)
    )
    assert unknown.status_code == 404
    assert unknown.json() == error("not_found", "goal not found")

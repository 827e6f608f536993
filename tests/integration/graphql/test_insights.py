"""GraphQL insights: previewGoal, time series, visitors and conversion rate,
period comparison, revenue by currency; exact numbers, batched loaders."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from litestar import Litestar

from goalgate.services import insights as insight_service
from goalgate.services import rates
from goalgate.services import stats as stats_service
from goalgate.storage.db import Database
from tests.helpers.currency import PURCHASES, RATES
from tests.helpers.data import READ, WRITE, insert_events, make_site, make_token
from tests.helpers.graphql import CREATE, codes, counting_statements, create_goal, gql
from tests.helpers.http import Client, bearer
from tests.helpers.time import ms


def money(amount: str, currency: str) -> dict[str, str]:
    return {"amount": amount, "currency": currency}


def bucket(day: str, conversions: int, uniques: int, revenue: Any = None) -> dict[str, Any]:
    return {
        "date": day,
        "conversions": conversions,
        "uniqueConversions": uniques,
        "revenue": revenue,
    }


GOAL_STATS = """
query Stats($site: String!, $id: ID!, $from: Date!, $to: Date!, $compare: StatsComparison) {
  goal(siteKey: $site, id: $id) {
    stats(period: CUSTOM, from: $from, to: $to, compare: $compare) { %s }
  }
}
"""


async def goal_stats(
    client: Client, token: str, site: str, goal_id: str, fields: str, **variables: Any
) -> dict[str, Any]:
    body = await gql(client, GOAL_STATS % fields, {"site": site, "id": goal_id, **variables}, token)
    assert "errors" not in body, body
    result: dict[str, Any] = body["data"]["goal"]["stats"]
    return result


SERIES = "date conversions uniqueConversions revenue { amount currency }"


# --- time series ------------------------------------------------------------------


async def test_daily_weekly_and_monthly_series_of_a_berlin_site_across_the_dst_change(
    client: Client, db: Database, token: str
) -> None:
    berlin = await make_site(db, "sk_berlin", timezone="Europe/Berlin")
    goal = await create_goal(
        client, token, berlin, name="Buy", type="CUSTOM", matchValue="buy", currency="EUR"
    )
    await insert_events(
        db,
        berlin,
        [
            # 23:59:59 CET on 30 March.
            ("goal", "buy", ms("2024-03-30T22:59:59+00:00"), 2, (2_500_000, "EUR")),
            # 00:30 CET on 31 March.
            ("goal", "buy", ms("2024-03-31T00:30:00+01:00"), 1, (1_000_000, "EUR")),
            # 31 March lasts 23 hours: 23:59:59 CEST is 21:59:59 UTC ...
            ("goal", "buy", ms("2024-03-31T21:59:59+00:00"), 1, None),
            # ... and one second later it is 1 April. USD without rates: unconverted.
            ("goal", "buy", ms("2024-03-31T22:00:00+00:00"), 3, (990_000, "USD")),
            ("goal", "buy", ms("2024-04-02T10:00:00+00:00"), 3, (100_000, "EUR")),
            # A visitor who did not convert, and a conversion after the period.
            ("pageview", "/", ms("2024-04-01T08:00:00+00:00"), 9, None),
            ("goal", "buy", ms("2024-04-02T22:00:00+00:00"), 4, (5_000_000, "EUR")),
        ],
    )
    result = await goal_stats(
        client,
        token,
        berlin,
        goal["id"],
        f"""conversions uniqueConversions revenue {{ amount currency }}
        revenueByCurrency {{ amount currency }} unconvertedConversions visitors conversionRate
        timeseries {{ {SERIES} }}
        weekly: timeseries(interval: WEEK) {{ {SERIES} }}
        monthly: timeseries(interval: MONTH) {{ {SERIES} }}""",
        **{"from": "2024-03-29", "to": "2024-04-02"},
    )
    eur = "EUR"
    assert result == {
        "conversions": 5,
        "uniqueConversions": 3,
        "revenue": money("3.60", eur),
        "revenueByCurrency": [money("3.60", eur), money("0.99", "USD")],
        "unconvertedConversions": 1,
        "visitors": 4,
        "conversionRate": 0.75,
        "timeseries": [
            bucket("2024-03-29", 0, 0, money("0.00", eur)),
            bucket("2024-03-30", 1, 1, money("2.50", eur)),
            bucket("2024-03-31", 2, 1, money("1.00", eur)),
            bucket("2024-04-01", 1, 1, money("0.00", eur)),
            bucket("2024-04-02", 1, 1, money("0.10", eur)),
        ],
        # Weeks start on Monday; the first is clipped to the period's Friday.
        "weekly": [
            bucket("2024-03-29", 3, 2, money("3.50", eur)),
            bucket("2024-04-01", 2, 1, money("0.10", eur)),
        ],
        "monthly": [
            bucket("2024-03-29", 3, 2, money("3.50", eur)),
            bucket("2024-04-01", 2, 1, money("0.10", eur)),
        ],
    }
    for series in ("timeseries", "weekly", "monthly"):
        assert sum(b["conversions"] for b in result[series]) == result["conversions"]
        total = sum(Decimal(b["revenue"]["amount"]) for b in result[series])
        assert total == Decimal(result["revenue"]["amount"])


async def test_series_of_a_goal_without_currency_have_null_revenue_and_zero_visitors_rate(
    client: Client, site: str, token: str
) -> None:
    goal = await create_goal(client, token, site)
    result = await goal_stats(
        client,
        token,
        site,
        goal["id"],
        "revenue { amount } revenueByCurrency { amount } unconvertedConversions visitors "
        "conversionRate "
        f"timeseries(interval: MONTH) {{ {SERIES} }}",
        **{"from": "2024-01-31", "to": "2024-03-01"},
    )
    assert result == {
        "revenue": None,
        "revenueByCurrency": [],
        "unconvertedConversions": 0,
        "visitors": 0,
        "conversionRate": 0.0,
        "timeseries": [
            bucket("2024-01-31", 0, 0),
            bucket("2024-02-01", 0, 0),
            bucket("2024-03-01", 0, 0),
        ],
    }


# --- comparison -------------------------------------------------------------------

COMPARED = """name stats(period: CUSTOM, from: $from, to: $to, compare: $compare) {
  conversions uniqueConversions revenue { amount currency } visitors conversionRate
  previous {
    conversions uniqueConversions revenue { amount currency } from to visitors conversionRate
    timeseries(interval: WEEK) { date conversions }
    previous { conversions }
    change { conversions }
  }
  change { conversions uniqueConversions revenue conversionRate }
}"""

COMPARE = f"""
query Compare($site: String!, $from: Date!, $to: Date!, $compare: StatsComparison) {{
  site(key: $site) {{ goals {{ nodes {{ {COMPARED} }} }} }}
}}
"""


@pytest.fixture
async def shop(client: Client, db: Database, site: str, token: str) -> str:
    """Two goals on the same conversions: one tracking USD revenue, one without currency."""
    await create_goal(
        client, token, site, name="Buy", type="CUSTOM", matchValue="buy", currency="USD"
    )
    await create_goal(client, token, site, name="Buy count", type="CUSTOM", matchValue="buy")
    usd10, usd15, usd5 = (10_000_000, "USD"), (15_000_000, "USD"), (5_000_000, "USD")
    await insert_events(
        db,
        site,
        [
            # 2023-02-28 .. 2023-03-01: one conversion, two visitors.
            ("pageview", "/", ms("2023-02-28T12:00:00+00:00"), 8, None),
            ("goal", "buy", ms("2023-03-01T12:00:00+00:00"), 7, usd5),
            # 2024-02-29: a conversion by visitor 1, on the leap day.
            ("goal", "buy", ms("2024-02-29T23:59:59+00:00"), 1, usd10),
            # 2024-03-01 .. 03-07: 2 conversions, 8 visitors.
            ("goal", "buy", ms("2024-03-01T00:00:00+00:00"), 1, usd10),
            ("goal", "buy", ms("2024-03-07T23:59:59+00:00"), 2, usd10),
            *[("pageview", "/", ms("2024-03-03T09:00:00+00:00"), v, None) for v in range(3, 9)],
            # 2024-03-08 .. 03-14: 4 conversions by 3 visitors, 6 visitors.
            ("goal", "buy", ms("2024-03-08T10:00:00+00:00"), 1, usd10),
            ("goal", "buy", ms("2024-03-09T10:00:00+00:00"), 1, usd10),
            ("goal", "buy", ms("2024-03-10T10:00:00+00:00"), 2, usd10),
            ("goal", "buy", ms("2024-03-14T23:59:59+00:00"), 3, usd15),
            *[("pageview", "/", ms("2024-03-11T09:00:00+00:00"), v, None) for v in range(4, 7)],
        ],
    )
    return site


async def compare(client: Client, token: str, site: str, **variables: Any) -> list[dict[str, Any]]:
    body = await gql(client, COMPARE, {"site": site, **variables}, token)
    assert "errors" not in body, body
    nodes: list[dict[str, Any]] = body["data"]["site"]["goals"]["nodes"]
    return nodes


async def test_previous_period_and_relative_change(client: Client, shop: str, token: str) -> None:
    buy, count = await compare(
        client, token, shop, compare="PREVIOUS_PERIOD", **{"from": "2024-03-08", "to": "2024-03-14"}
    )
    assert buy == {
        "name": "Buy",
        "stats": {
            "conversions": 4,
            "uniqueConversions": 3,
            "revenue": money("45.00", "USD"),
            "visitors": 6,
            "conversionRate": 0.5,
            "previous": {
                "conversions": 2,
                "uniqueConversions": 2,
                "revenue": money("20.00", "USD"),
                "from": "2024-03-01",
                "to": "2024-03-07",
                "visitors": 8,
                "conversionRate": 0.25,
                # 1 March 2024 is a Friday.
                "timeseries": [
                    {"date": "2024-03-01", "conversions": 1},
                    {"date": "2024-03-04", "conversions": 1},
                ],
                "previous": None,
                "change": None,
            },
            # (4-2)/2, (3-2)/2, (45-20)/20, (0.5-0.25)/0.25
            "change": {
                "conversions": 1.0,
                "uniqueConversions": 0.5,
                "revenue": 1.25,
                "conversionRate": 1.0,
            },
        },
    }
    # The same numbers for the goal without currency, but no revenue to compare.
    assert count["stats"]["change"] == {
        "conversions": 1.0,
        "uniqueConversions": 0.5,
        "revenue": None,
        "conversionRate": 1.0,
    }
    assert count["stats"]["previous"]["revenue"] is None


async def test_previous_year_maps_the_leap_day_to_the_28th(
    client: Client, shop: str, token: str
) -> None:
    buy, _ = await compare(
        client, token, shop, compare="PREVIOUS_YEAR", **{"from": "2024-02-28", "to": "2024-03-01"}
    )
    stats = buy["stats"]
    assert (stats["conversions"], stats["uniqueConversions"], stats["visitors"]) == (2, 1, 1)
    assert stats["previous"]["from"] == "2023-02-28"
    assert stats["previous"]["to"] == "2023-03-01"
    assert {k: stats["previous"][k] for k in ("conversions", "revenue", "visitors")} == {
        "conversions": 1,
        "revenue": money("5.00", "USD"),
        "visitors": 2,
    }
    # (2-1)/1, (1-1)/1, (20-5)/5, (1/1 - 1/2)/(1/2)
    assert stats["change"] == {
        "conversions": 1.0,
        "uniqueConversions": 0.0,
        "revenue": 3.0,
        "conversionRate": 1.0,
    }


async def test_change_is_null_where_the_previous_number_is_zero(
    client: Client, shop: str, token: str
) -> None:
    buy, _ = await compare(
        client, token, shop, compare="PREVIOUS_PERIOD", **{"from": "2024-03-15", "to": "2024-03-21"}
    )
    # Nothing happened that week, but 4 conversions the week before: -100 %.
    assert buy["stats"]["change"] == {
        "conversions": -1.0,
        "uniqueConversions": -1.0,
        "revenue": -1.0,
        "conversionRate": -1.0,
    }
    buy, _ = await compare(
        client, token, shop, compare="PREVIOUS_PERIOD", **{"from": "2024-02-01", "to": "2024-02-07"}
    )
    assert buy["stats"]["previous"]["revenue"] == money("0.00", "USD")
    assert buy["stats"]["previous"]["conversionRate"] == 0.0
    assert buy["stats"]["change"] == {
        "conversions": None,
        "uniqueConversions": None,
        "revenue": None,
        "conversionRate": None,
    }


async def test_without_compare_previous_and_change_are_null(
    client: Client, shop: str, token: str
) -> None:
    for node in await compare(client, token, shop, **{"from": "2024-03-08", "to": "2024-03-14"}):
        assert (node["stats"]["previous"], node["stats"]["change"]) == (None, None)


async def test_a_compared_period_before_1970_is_bad_user_input(
    client: Client, site: str, token: str
) -> None:
    goal = await create_goal(client, token, site)
    variables = {"site": site, "id": goal["id"], "from": "1970-01-01", "to": "1970-01-05"}
    body = await gql(
        client, GOAL_STATS % "conversions", {**variables, "compare": "PREVIOUS_PERIOD"}, token
    )
    assert body["data"] == {"goal": {"stats": None}}
    [error] = body["errors"]
    assert error["message"] == (
        "The compared period starts before 1970. "
        "(compare: the compared period would start before 1970-01-01)"
    )
    assert error["extensions"] == {
        "code": "BAD_USER_INPUT",
        "arguments": {"compare": "the compared period would start before 1970-01-01"},
    }
    assert error["path"] == ["goal", "stats"]
    # The same period compared with nothing is fine.
    body = await gql(client, GOAL_STATS % "conversions", variables, token)
    assert body == {"data": {"goal": {"stats": {"conversions": 0}}}}


# --- multi-currency revenue -------------------------------------------------------


async def test_revenue_in_other_currencies_is_converted_at_the_rate_of_its_day(
    client: Client, db: Database, site: str, token: str
) -> None:
    report = await rates.import_rates(db, RATES.splitlines(keepends=True), base="EUR")
    assert (report.accepted, report.rejected) == (3, [])
    goal = await create_goal(
        client, token, site, name="Buy", type="CUSTOM", matchValue="buy", currency="USD"
    )
    await insert_events(db, site, PURCHASES)
    period = {"from": "2024-02-29", "to": "2024-03-03"}
    result = await goal_stats(
        client,
        token,
        site,
        goal["id"],
        "conversions uniqueConversions revenue { amount currency } "
        "revenueByCurrency { amount currency } unconvertedConversions "
        "timeseries { date revenue { amount } }",
        **period,
    )
    assert result == {
        "conversions": 7,
        "uniqueConversions": 5,
        "revenue": money("50.00", "USD"),
        "revenueByCurrency": [
            money("25.00", "EUR"),
            money("7.00", "GBP"),
            money("1700", "JPY"),
            money("10.00", "USD"),
        ],
        "unconvertedConversions": 2,
        "timeseries": [
            {"date": "2024-02-29", "revenue": {"amount": "0.00"}},
            {"date": "2024-03-01", "revenue": {"amount": "32.00"}},
            {"date": "2024-03-02", "revenue": {"amount": "6.00"}},
            {"date": "2024-03-03", "revenue": {"amount": "12.00"}},
        ],
    }
    rest = await client.get(
        f"/api/v1/analytics/sites/{site}/goals/{goal['id']}/stats",
        params={"period": "custom", **period},
        headers=bearer(token),
    )
    assert rest.content == b'{"data":{"conversions":7,"unique_conversions":5,"revenue":50.00}}'


# --- previewGoal ------------------------------------------------------------------

PREVIEW = """
query Preview($site: String!, $input: GoalMatchInput!, $period: StatsPeriod,
              $from: Date, $to: Date) {
  previewGoal(siteKey: $site, input: $input, period: $period, from: $from, to: $to) {
    stats {
      conversions uniqueConversions revenue { amount currency } from to visitors conversionRate
      timeseries(interval: MONTH) { date conversions uniqueConversions revenue { amount } }
    }
    topMatches { value conversions }
    userErrors { code field message }
  }
}
"""

MARCH = {"period": "CUSTOM", "from": "2024-03-01", "to": "2024-03-31"}


@pytest.fixture
async def blog(db: Database, site: str) -> str:
    await insert_events(
        db,
        site,
        [
            *[("pageview", "/blog/42", ms("2024-03-05T10:00:00+00:00"), v, None) for v in range(3)],
            ("pageview", "/blog/7", ms("2024-03-06T10:00:00+00:00"), 1, (12_500_000, "EUR")),
            ("pageview", "/blog/7/comments", ms("2024-03-06T11:00:00+00:00"), 1, None),
            ("pageview", "/about", ms("2024-03-06T12:00:00+00:00"), 5, None),
            ("pageview", "/blog/99", ms("2024-04-02T12:00:00+00:00"), 3, None),
        ],
    )
    return site


def match_input(**overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "type": "PAGEVIEW",
        "matchType": "REGEX",
        "matchValue": r"^/blog/\d+",
        "currency": "EUR",
    }
    fields.update(overrides)
    return fields


async def test_preview_gives_stats_and_top_matches_and_saves_nothing(
    client: Client, blog: str, token: str
) -> None:
    body = await gql(client, PREVIEW, {"site": blog, "input": match_input(), **MARCH}, token)
    assert body == {
        "data": {
            "previewGoal": {
                "stats": {
                    "conversions": 5,
                    "uniqueConversions": 3,
                    "revenue": money("12.50", "EUR"),
                    "from": "2024-03-01",
                    "to": "2024-03-31",
                    "visitors": 4,
                    "conversionRate": 0.75,
                    "timeseries": [
                        {
                            "date": "2024-03-01",
                            "conversions": 5,
                            "uniqueConversions": 3,
                            "revenue": {"amount": "12.50"},
                        }
                    ],
                },
                "topMatches": [
                    {"value": "/blog/42", "conversions": 3},
                    {"value": "/blog/7", "conversions": 1},
                    {"value": "/blog/7/comments", "conversions": 1},
                ],
                "userErrors": [],
            }
        }
    }
    listed = await gql(
        client, "query($k: String!) { site(key: $k) { goals { totalCount } } }", {"k": blog}, token
    )
    assert listed == {"data": {"site": {"goals": {"totalCount": 0}}}}


async def test_rest_and_graphql_previews_agree(client: Client, blog: str, token: str) -> None:
    cases: list[tuple[dict[str, Any], dict[str, str]]] = [
        (match_input(), {"type": "pageview", "match_type": "regex", "match_value": r"^/blog/\d+"}),
        (
            match_input(matchType="CONTAINS", matchValue="/blog/7", currency=None),
            {"type": "pageview", "match_type": "contains", "match_value": "/blog/7"},
        ),
        (
            match_input(matchType="EXACT", matchValue="/about", currency="JPY"),
            {"type": "pageview", "match_type": "exact", "match_value": "/about"},
        ),
    ]
    for graph_input, rest_body in cases:
        if graph_input["currency"] is not None:
            rest_body = {**rest_body, "currency": graph_input["currency"]}
        response = await client.post(
            f"/api/v1/analytics/sites/{blog}/goals/preview",
            params={"period": "custom", "from": "2024-03-01", "to": "2024-03-31"},
            json=rest_body,
            headers=bearer(token),
        )
        assert response.status_code == 200, response.text
        rest = json.loads(response.content, parse_float=Decimal)["data"]
        body = await gql(client, PREVIEW, {"site": blog, "input": graph_input, **MARCH}, token)
        graph = body["data"]["previewGoal"]
        assert graph["stats"]["conversions"] == rest["conversions"]
        assert graph["stats"]["uniqueConversions"] == rest["unique_conversions"]
        if rest["revenue"] is None:
            assert graph["stats"]["revenue"] is None
        else:
            assert graph["stats"]["revenue"]["amount"] == str(rest["revenue"])
        assert graph["topMatches"] == rest["top_matches"]
    # The last case spelled out: one view of /about, no revenue in yen.
    assert (graph["stats"]["conversions"], graph["stats"]["revenue"]) == (1, money("0", "JPY"))


async def test_two_previews_in_one_request_do_not_share_a_series(
    client: Client, blog: str, token: str
) -> None:
    query = """
    query Two($site: String!, $a: GoalMatchInput!, $b: GoalMatchInput!) {
      a: previewGoal(siteKey: $site, input: $a, period: CUSTOM, from: "2024-03-01",
                     to: "2024-03-31") { stats { timeseries(interval: MONTH) { conversions } } }
      b: previewGoal(siteKey: $site, input: $b, period: CUSTOM, from: "2024-03-01",
                     to: "2024-03-31") { stats { timeseries(interval: MONTH) { conversions } } }
    }
    """
    variables = {
        "site": blog,
        "a": match_input(),
        "b": match_input(matchType="EXACT", matchValue="/about"),
    }
    body = await gql(client, query, variables, token)
    assert body == {
        "data": {
            "a": {"stats": {"timeseries": [{"conversions": 5}]}},
            "b": {"stats": {"timeseries": [{"conversions": 1}]}},
        }
    }


async def test_preview_gives_the_user_errors_create_goal_gives(
    client: Client, blog: str, token: str
) -> None:
    bad = match_input(matchValue="(?<=x)", currency="XYZ")
    body = await gql(client, PREVIEW, {"site": blog, "input": bad, **MARCH}, token)
    expected = [
        {
            "code": "INVALID",
            "field": ["input", "matchValue"],
            "message": "not a valid RE2 regular expression: invalid perl operator: (?<=",
        },
        {
            "code": "INVALID",
            "field": ["input", "currency"],
            "message": "must be an active ISO 4217 code",
        },
    ]
    assert body == {
        "data": {"previewGoal": {"stats": None, "topMatches": [], "userErrors": expected}}
    }
    created = await gql(client, CREATE, {"site": blog, "input": {"name": "x", **bad}}, token)
    assert created["data"]["createGoal"]["userErrors"] == expected


async def test_preview_period_mistakes_are_bad_user_input(
    client: Client, blog: str, token: str
) -> None:
    body = await gql(
        client,
        PREVIEW,
        {"site": blog, "input": match_input(), "period": "CUSTOM", "from": "2024-03-01"},
        token,
    )
    assert body["data"] == {"previewGoal": None}
    [error] = body["errors"]
    assert error["message"] == "period=custom needs from and to. (to: required when period=custom)"
    assert error["extensions"] == {
        "code": "BAD_USER_INPUT",
        "arguments": {"to": "required when period=custom"},
    }
    assert error["path"] == ["previewGoal"]


async def test_preview_of_an_unseen_site_is_null_and_needs_analytics_read(
    client: Client, db: Database, blog: str, token: str
) -> None:
    variables = {"input": match_input(), **MARCH}
    body = await gql(client, PREVIEW, {"site": "sk_nope", **variables}, token)
    assert body == {"data": {"previewGoal": None}}
    other = await make_site(db, "sk_other")
    elsewhere = await make_token(db, READ, name="elsewhere", sites=[other])
    body = await gql(client, PREVIEW, {"site": blog, **variables}, elsewhere)
    assert body == {"data": {"previewGoal": None}}
    writer = await make_token(db, WRITE, name="writer")
    body = await gql(client, PREVIEW, {"site": blog, **variables}, writer)
    assert body["data"] == {"previewGoal": None}
    assert codes(body) == ["FORBIDDEN"]


# --- batching ---------------------------------------------------------------------

MANY = """
query Many($key: String!) {
  site(key: $key) { goals(first: 100) { nodes {
    stats(period: CUSTOM, from: "2024-01-01", to: "2024-01-31", compare: PREVIOUS_PERIOD) {
      conversions visitors conversionRate
      timeseries { conversions }
      previous { conversions visitors timeseries(interval: WEEK) { conversions } }
      change { conversions conversionRate }
    }
  } } }
}
"""

KINDS = [
    ("EVENT", "EXACT", "event", "e{n}"),
    ("PAGEVIEW", "CONTAINS", "pageview", "/p{n}/"),
    ("CUSTOM", "REGEX", "goal", "c{n}"),
]


async def _add_goals(
    client: Client, db: Database, token: str, site: str, start: int, stop: int
) -> None:
    events: list[tuple[str, str, int, int, tuple[int, str] | None]] = []
    for n in range(start, stop):
        goal_type, match_type, kind, value = KINDS[n % 3]
        pattern = f"^{value}$" if match_type == "REGEX" else value
        await create_goal(
            client,
            token,
            site,
            name=f"Goal {n}",
            type=goal_type,
            matchType=match_type,
            matchValue=pattern.format(n=n),
        )
        events += [
            (kind, value.format(n=n), ms("2024-01-10T12:00:00+00:00"), n, None),
            (kind, value.format(n=n), ms("2023-12-10T12:00:00+00:00"), n, None),
        ]
    await insert_events(db, site, events)


async def test_insights_of_thirty_goals_cost_the_statements_of_three(
    client: Client,
    app: Litestar,
    db: Database,
    site: str,
    token: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[tuple[str, int]] = []

    def spy(module: Any, name: str) -> None:
        real = getattr(module, name)

        async def spying(db: Database, *args: Any, **kwargs: Any) -> Any:
            # The queries are the argument after the key index.
            queries = args[1]
            calls.append((name, len(queries)))
            return await real(db, *args, **kwargs)

        monkeypatch.setattr(module, name, spying)

    spy(stats_service, "stats_for")
    spy(insight_service, "timeseries_for")
    spy(insight_service, "visitors_for")

    async def measure(goals: int) -> tuple[int, list[tuple[str, int]]]:
        await gql(client, MANY, {"key": site}, token)  # warm: token use, key mirror
        calls.clear()
        with counting_statements(app) as statements:
            body = await gql(client, MANY, {"key": site}, token)
        assert "errors" not in body, body
        nodes = body["data"]["site"]["goals"]["nodes"]
        day = [0] * 31
        day[9] = 1
        assert [node["stats"] for node in nodes] == [
            {
                "conversions": 1,
                "visitors": goals,
                "conversionRate": 1 / goals,
                "timeseries": [{"conversions": c} for c in day],
                # December 2023 by weeks: Friday the 1st, then Mondays 4, 11, 18, 25.
                "previous": {
                    "conversions": 1,
                    "visitors": goals,
                    "timeseries": [{"conversions": c} for c in (0, 1, 0, 0, 0)],
                },
                "change": {"conversions": 0.0, "conversionRate": 0.0},
            }
        ] * goals
        return len(statements), sorted(calls)

    await _add_goals(client, db, token, site, 0, 3)
    few, few_calls = await measure(3)
    await _add_goals(client, db, token, site, 3, 30)
    many, many_calls = await measure(30)
    assert few == many
    # One batch per loader and period: stats and series of both periods, and
    # the site's visitors of each period (one key for every goal).
    assert few_calls == [
        ("stats_for", 3),
        ("stats_for", 3),
        ("timeseries_for", 3),
        ("timeseries_for", 3),
        ("visitors_for", 1),
        ("visitors_for", 1),
    ]
    assert many_calls == [(name, 30 if n == 3 else n) for name, n in few_calls]

"""Goal.stats: numbers, periods, time zones, argument errors, parity with REST, no N+1."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from litestar import Litestar

from goalgate.services import stats as stats_service
from goalgate.storage.db import Database
from tests.helpers.data import make_site, record_events
from tests.helpers.graphql import counting_statements, create_goal, gql
from tests.helpers.http import Client, bearer

STATS = """
query Stats($site: String!, $id: ID!, $period: StatsPeriod, $from: Date, $to: Date) {
  goal(siteKey: $site, id: $id) {
    stats(period: $period, from: $from, to: $to) {
      conversions uniqueConversions revenue { amount currency } from to timezone
    }
  }
}
"""


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


async def stats(client: Client, token: str, site: str, goal_id: str, **args: Any) -> dict[str, Any]:
    body = await gql(client, STATS, {"site": site, "id": goal_id, **args}, token)
    assert "errors" not in body, body
    result: dict[str, Any] = body["data"]["goal"]["stats"]
    return result


async def test_stats_count_conversions_visitors_and_revenue_rounded_for_display(
    client: Client, db: Database, site: str, token: str
) -> None:
    goal = await create_goal(
        client, token, site, name="Purchase", type="CUSTOM", matchValue="purchase", currency="USD"
    )
    times = [at("2024-03-05T10:00:00"), at("2024-03-06T11:00:00"), at("2024-03-07T12:00:00")]
    await record_events(
        db, site, "goal", "purchase", at=times, visitors=[1, 1, 2], revenue="19.995", currency="USD"
    )
    # Revenue in another currency is not the goal's revenue; the conversion still counts.
    await record_events(
        db, site, "goal", "purchase", at=[at("2024-03-08T00:00:00")], revenue="5", currency="EUR"
    )
    # Outside the period, and a different goal's key.
    await record_events(db, site, "goal", "purchase", at=[at("2024-04-01T00:00:00")])
    await record_events(db, site, "goal", "signup", at=[at("2024-03-05T00:00:00")])
    result = await stats(
        client,
        token,
        site,
        goal["id"],
        period="CUSTOM",
        **{"from": "2024-03-01", "to": "2024-03-31"},
    )
    assert result == {
        "conversions": 4,
        "uniqueConversions": 3,
        # 3 x 19.995 = 59.985, shown to the cent half to even.
        "revenue": {"amount": "59.98", "currency": "USD"},
        "from": "2024-03-01",
        "to": "2024-03-31",
        "timezone": "UTC",
    }


async def test_revenue_uses_the_minor_unit_of_the_goals_currency(
    client: Client, db: Database, site: str, token: str
) -> None:
    goal = await create_goal(client, token, site, type="CUSTOM", matchValue="order", currency="JPY")
    await record_events(
        db, site, "goal", "order", at=[at("2024-03-05T10:00:00")], revenue="1500.5", currency="JPY"
    )
    result = await stats(
        client,
        token,
        site,
        goal["id"],
        period="CUSTOM",
        **{"from": "2024-03-01", "to": "2024-03-31"},
    )
    assert result["revenue"] == {"amount": "1500", "currency": "JPY"}


async def test_revenue_is_null_for_a_goal_without_currency(
    client: Client, db: Database, site: str, token: str
) -> None:
    goal = await create_goal(client, token, site)
    await record_events(
        db, site, "event", "signup", at=[at("2024-03-05T10:00:00")], revenue="9", currency="USD"
    )
    result = await stats(
        client,
        token,
        site,
        goal["id"],
        period="CUSTOM",
        **{"from": "2024-03-05", "to": "2024-03-05"},
    )
    assert result == {
        "conversions": 1,
        "uniqueConversions": 1,
        "revenue": None,
        "from": "2024-03-05",
        "to": "2024-03-05",
        "timezone": "UTC",
    }


async def test_days_are_days_of_the_sites_time_zone(
    client: Client, db: Database, token: str
) -> None:
    berlin = await make_site(db, "sk_berlin", timezone="Europe/Berlin")
    goal = await create_goal(client, token, berlin, type="PAGEVIEW", matchValue="/thanks")
    # 22:30 UTC on 31 March is 00:30 on 1 April in Berlin (summer time since that night).
    await record_events(db, berlin, "pageview", "/thanks", at=[at("2024-03-31T22:30:00")])
    april = await stats(
        client,
        token,
        berlin,
        goal["id"],
        period="CUSTOM",
        **{"from": "2024-04-01", "to": "2024-04-01"},
    )
    march = await stats(
        client,
        token,
        berlin,
        goal["id"],
        period="CUSTOM",
        **{"from": "2024-03-31", "to": "2024-03-31"},
    )
    assert (april["conversions"], march["conversions"]) == (1, 0)
    assert april["timezone"] == "Europe/Berlin"


@pytest.mark.parametrize(("period", "days"), [(None, 30), ("LAST_7_DAYS", 7), ("LAST_30_DAYS", 30)])
async def test_rolling_periods_end_today_and_echo_their_dates(
    client: Client, site: str, token: str, period: str | None, days: int
) -> None:
    goal = await create_goal(client, token, site)
    today = datetime.now(UTC).date()
    result = await stats(client, token, site, goal["id"], period=period)
    assert result["to"] == today.isoformat()
    assert result["from"] == (today - timedelta(days=days - 1)).isoformat()


async def test_last_12_months_start_on_the_first_of_the_month_11_months_ago(
    client: Client, site: str, token: str
) -> None:
    goal = await create_goal(client, token, site)
    today = datetime.now(UTC).date()
    index = today.year * 12 + today.month - 1 - 11
    result = await stats(client, token, site, goal["id"], period="LAST_12_MONTHS")
    assert result["from"] == f"{index // 12:04d}-{index % 12 + 1:02d}-01"
    assert result["to"] == today.isoformat()


async def test_recent_events_count_in_the_rolling_periods(
    client: Client, db: Database, site: str, token: str
) -> None:
    goal = await create_goal(client, token, site)
    now = datetime.now(UTC)
    await record_events(
        db, site, "event", "signup", at=[now - timedelta(days=10), now - timedelta(minutes=5)]
    )
    assert (await stats(client, token, site, goal["id"]))["conversions"] == 2
    week = await stats(client, token, site, goal["id"], period="LAST_7_DAYS")
    assert week["conversions"] == 1


PERIOD_ERRORS = [
    (
        {"period": "LAST_7_DAYS", "from": "2024-03-01"},
        "from and to are only allowed with period=custom. (from: only allowed with period=custom)",
        {"from": "only allowed with period=custom"},
    ),
    (
        {"from": "2024-03-01", "to": "2024-03-02"},
        "from and to are only allowed with period=custom. "
        "(from: only allowed with period=custom; to: only allowed with period=custom)",
        {"from": "only allowed with period=custom", "to": "only allowed with period=custom"},
    ),
    (
        {"period": "CUSTOM", "from": "2024-03-01"},
        "period=custom needs from and to. (to: required when period=custom)",
        {"to": "required when period=custom"},
    ),
    (
        {"period": "CUSTOM", "from": "2024-03-02", "to": "2024-03-01"},
        "from must not be after to. (from: must not be after to)",
        {"from": "must not be after to"},
    ),
    (
        {"period": "CUSTOM", "from": "2000-01-01", "to": "2024-03-01"},
        "Custom range too long. (to: must be at most 3660 days from from)",
        {"to": "must be at most 3660 days from from"},
    ),
    (
        {"period": "CUSTOM", "from": "1969-12-31", "to": "2024-03-01"},
        "Invalid date. (from: must be between 1970-01-01 and 9998-12-31)",
        {"from": "must be between 1970-01-01 and 9998-12-31"},
    ),
]


@pytest.mark.parametrize(("args", "message", "arguments"), PERIOD_ERRORS)
async def test_period_mistakes_are_bad_user_input_naming_the_argument(
    client: Client,
    site: str,
    token: str,
    args: dict[str, str],
    message: str,
    arguments: dict[str, str],
) -> None:
    goal = await create_goal(client, token, site)
    body = await gql(client, STATS, {"site": site, "id": goal["id"], **args}, token)
    # stats is nullable: the mistake nulls it alone, the goal is still answered.
    assert body["data"] == {"goal": {"stats": None}}
    [error] = body["errors"]
    assert error["message"] == message
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "arguments": arguments}
    assert error["path"] == ["goal", "stats"]


async def test_a_malformed_date_is_a_readable_graphql_error(
    client: Client, site: str, token: str
) -> None:
    goal = await create_goal(client, token, site)
    body = await gql(
        client,
        STATS,
        {"site": site, "id": goal["id"], "period": "CUSTOM", "from": "2024-02-30", "to": "x"},
        token,
    )
    # A variable that does not coerce is a request error: the operation never ran, no data.
    assert "data" not in body
    assert [error["message"] for error in body["errors"]] == [
        "Variable '$from' has invalid value: Value cannot represent a Date: \"2024-02-30\". "
        "day is out of range for month",
        "Variable '$to' has invalid value: Value cannot represent a Date: \"x\". "
        "Invalid isoformat string: 'x'",
    ]


# --- REST and GraphQL agree --------------------------------------------------


async def test_rest_and_graphql_give_identical_numbers_for_the_same_goal_and_period(
    client: Client, db: Database, site: str, token: str
) -> None:
    goal = await create_goal(
        client,
        token,
        site,
        type="PAGEVIEW",
        matchType="REGEX",
        matchValue=r"^/order/\d+$",
        currency="EUR",
    )
    now = datetime.now(UTC)
    for n, path in enumerate(["/order/1", "/order/2", "/order/x", "/order/33"]):
        await record_events(
            db,
            site,
            "pageview",
            path,
            at=[now - timedelta(days=d, minutes=5) for d in (0, 3, 20, 200)],
            visitors=[n, n + 10, n, n + 20],
            revenue="12.345",
            currency="EUR",
        )
    url = f"/api/v1/analytics/sites/{site}/goals/{goal['id']}/stats"
    cases: list[tuple[dict[str, str], dict[str, Any]]] = [
        ({"period": "7d"}, {"period": "LAST_7_DAYS"}),
        ({}, {}),
        ({"period": "12mo"}, {"period": "LAST_12_MONTHS"}),
        (
            {"period": "custom", "from": "2000-01-01", "to": "2009-12-31"},
            {"period": "CUSTOM", "from": "2000-01-01", "to": "2009-12-31"},
        ),
    ]
    for rest_params, gql_args in cases:
        response = await client.get(url, params=rest_params, headers=bearer(token))
        assert response.status_code == 200, response.text
        rest = json.loads(response.content, parse_float=Decimal)["data"]
        graph = await stats(client, token, site, goal["id"], **gql_args)
        assert graph["conversions"] == rest["conversions"]
        assert graph["uniqueConversions"] == rest["unique_conversions"]
        assert Decimal(graph["revenue"]["amount"]) == rest["revenue"]
        assert graph["revenue"]["amount"] == str(rest["revenue"])
    # The 7-day numbers spelled out: three matching paths (not /order/x), each
    # with events today and 3 days ago by two visitors, 12.345 EUR each.
    week = await stats(client, token, site, goal["id"], period="LAST_7_DAYS")
    assert week == {
        "conversions": 6,
        "uniqueConversions": 6,
        "revenue": {"amount": "74.07", "currency": "EUR"},
        "from": (now.date() - timedelta(days=6)).isoformat(),
        "to": now.date().isoformat(),
        "timezone": "UTC",
    }


# --- no N+1 ----------------------------------------------------------------

MANY_STATS = """
query Many($key: String!) {
  site(key: $key) { goals(first: 100) { nodes { stats(period: LAST_12_MONTHS) { conversions } } } }
}
"""


async def _add_goals(client: Client, token: str, site: str, start: int, stop: int) -> None:
    kinds = [
        ("EVENT", "EXACT", "e{n}"),
        ("PAGEVIEW", "CONTAINS", "/p{n}/"),
        ("CUSTOM", "REGEX", "^c{n}$"),
    ]
    for n in range(start, stop):
        goal_type, match_type, value = kinds[n % 3]
        await create_goal(
            client,
            token,
            site,
            name=f"Goal {n}",
            type=goal_type,
            matchType=match_type,
            matchValue=value.format(n=n),
        )


async def test_stats_of_many_goals_cost_the_same_statements_as_of_three(
    client: Client,
    app: Litestar,
    db: Database,
    site: str,
    token: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    now = datetime.now(UTC) - timedelta(minutes=5)
    for n in range(60):
        kind, value = [("event", f"e{n}"), ("pageview", f"/p{n}/"), ("goal", f"c{n}")][n % 3]
        await record_events(db, site, kind, value, at=[now, now - timedelta(days=40)])
    calls: list[int] = []
    real_stats_for = stats_service.stats_for

    async def spying(db: Database, keys: Any, queries: Any) -> Any:
        calls.append(len(queries))
        return await real_stats_for(db, keys, queries)

    monkeypatch.setattr(stats_service, "stats_for", spying)

    async def measure(expected_goals: int) -> int:
        await gql(client, MANY_STATS, {"key": site}, token)  # warm: token use, key mirror
        with counting_statements(app) as statements:
            body = await gql(client, MANY_STATS, {"key": site}, token)
        nodes = body["data"]["site"]["goals"]["nodes"]
        assert [node["stats"]["conversions"] for node in nodes] == [2] * expected_goals
        return len(statements)

    await _add_goals(client, token, site, 0, 3)
    few = await measure(3)
    await _add_goals(client, token, site, 3, 60)
    many = await measure(60)
    assert few == many
    # Token and site come from the process's caches; the page of goals, the
    # keys of each of the 3 kinds, one aggregate: a handful, whatever the
    # number of goals.
    assert many <= 6
    # One stats_for batch per request, whatever the number of goals.
    assert calls == [3, 3, 60, 60]

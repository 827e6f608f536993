"""Revenue cannot overflow: amounts are bounded where they come in, sums are exact.

Issue #11: an anonymous event with revenue 999999999999999 passed validation
and overflowed the 64-bit micros column at insert (a 503, and a failed commit
for every event grouped with it); two accepted amounts of 5000000000000 made
SQLite's ``sum()`` overflow, and REST stats and preview answered 500. Amounts
now have at most 12 digits before the point (10^18 micros < 2^63), on every
way in (ingestion, batches, the NDJSON importer), and sums are exact however
many events add up past 2^63 (see ``storage.stats``).
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from goalgate.api.graphql import types as graphql_types
from goalgate.cli import app as cli_app
from goalgate.services import stats as stats_service
from goalgate.storage import dialect
from goalgate.storage import stats as stats_store
from goalgate.storage.db import Database
from tests.helpers.data import insert_events, make_site, stored_events, with_db
from tests.helpers.http import EVENTS_URL, Client, bearer, error, goal_body

SITE = "sk_abc123def456"
GOALS = f"/api/v1/analytics/sites/{SITE}/goals"
TOO_MANY_DIGITS = "must have at most 12 digits before the point"
# The largest amount accepted: 10^12 - 0.000001 units, 10^18 - 1 micros.
LARGEST = "999999999999.999999"
# Ten of these are 9.9999999999999e18 micros, past 2^63 - 1 (about 9.22e18).
LARGE = "999999999999.99"
INT64_MAX = 2**63 - 1


def purchase(amount: object, currency: str = "USD", **extra: Any) -> dict[str, Any]:
    return {
        "site": SITE,
        "type": "goal",
        "name": "purchase",
        "revenue": {"amount": amount, "currency": currency},
        **extra,
    }


async def create_goal(client: Client, token: str, **overrides: Any) -> str:
    fields: dict[str, Any] = {
        "name": "Purchase",
        "type": "custom",
        "match_value": "purchase",
        "currency": "USD",
        **overrides,
    }
    body = goal_body(**fields)
    response = await client.post(GOALS, json=body, headers=bearer(token))
    assert response.status_code == 201, response.text
    goal_id: str = response.json()["data"]["id"]
    return goal_id


# --- bounds where amounts come in ---------------------------------------------------


@pytest.mark.parametrize(
    "amount",
    [999_999_999_999_999, "999999999999999", 5_000_000_000_000, "1000000000000", 1e12],
    ids=["15-digit int", "15-digit string", "5e12 int", "10^12 string", "10^12 float"],
)
async def test_an_anonymous_event_over_twelve_digits_is_422_naming_the_field(
    client: Client, db: Database, site: str, amount: object
) -> None:
    response = await client.post(EVENTS_URL, json=purchase(amount))
    assert response.status_code == 422
    assert response.json() == error(
        "validation_error",
        "the events are not valid; none was stored",
        {"0.revenue.amount": TOO_MANY_DIGITS},
    )
    assert await stored_events(db) == []


async def test_an_over_bound_amount_in_a_batch_is_named_by_its_index_and_nothing_is_stored(
    client: Client, db: Database, site: str
) -> None:
    batch = [purchase("49.90"), purchase(LARGEST), purchase(999_999_999_999_999)]
    response = await client.post(EVENTS_URL, json=batch)
    assert response.status_code == 422
    assert response.json() == error(
        "validation_error",
        "the events are not valid; none was stored",
        {"2.revenue.amount": TOO_MANY_DIGITS},
    )
    assert await stored_events(db) == []


async def test_the_largest_amount_is_accepted_and_stored_exactly(
    client: Client, db: Database, site: str
) -> None:
    response = await client.post(EVENTS_URL, json=purchase(LARGEST))
    assert response.status_code == 202
    assert response.json() == {"data": {"accepted": 1}}
    [event] = await stored_events(db)
    assert (event["revenue_micros"], event["currency"]) == (10**18 - 1, "USD")


async def test_an_over_bound_amount_does_not_fail_the_events_committed_with_it(
    client: Client, db: Database, site: str
) -> None:
    # Before the fix the amount passed validation and its insert failed, taking
    # the whole group commit with it: 503 for every request committed in the
    # same group. Now it is refused before it reaches the committer.
    bad, good = await asyncio.gather(
        client.post(EVENTS_URL, json=purchase(999_999_999_999_999)),
        client.post(EVENTS_URL, json=purchase("19.99")),
    )
    assert (bad.status_code, good.status_code) == (422, 202)
    assert [e["revenue_micros"] for e in await stored_events(db)] == [19_990_000]


def test_the_importer_reports_an_over_bound_amount_and_stores_the_rest(
    database_url: str, tmp_path: Path
) -> None:
    with_db(database_url, make_site)
    path = tmp_path / "events.ndjson"
    lines = [purchase("49.90"), purchase(999_999_999_999_999), purchase(LARGEST)]
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    result = CliRunner().invoke(
        cli_app, ["events", "import", str(path)], env={"GOALGATE_DATABASE_URL": database_url}
    )
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "accepted 2 lines, rejected 1",
        f"line 2: revenue.amount: {TOO_MANY_DIGITS}",
    ]
    stored = with_db(database_url, stored_events)
    assert [e["revenue_micros"] for e in stored] == [49_900_000, 10**18 - 1]


# --- sums past 2^63 ------------------------------------------------------------------

STATS_QUERY = """
query Stats($site: String!, $id: ID!) {
  goal(siteKey: $site, id: $id) {
    stats {
      conversions
      revenue { amount currency }
      revenueByCurrency { amount currency }
      timeseries(interval: MONTH) { revenue { amount } }
    }
  }
}
"""


async def graphql(
    client: Client, token: str, query: str, variables: dict[str, Any]
) -> dict[str, Any]:
    response = await client.post(
        "/graphql", json={"query": query, "variables": variables}, headers=bearer(token)
    )
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


async def test_ten_accepted_amounts_sum_past_int64_exactly_on_every_face(
    client: Client, site: str, token: str
) -> None:
    goal_id = await create_goal(client, token)
    batch = [purchase(LARGE, visitor_id=f"v{n}") for n in range(10)]
    response = await client.post(EVENTS_URL, json=batch)
    assert response.status_code == 202
    total = "9999999999999.90"  # 9999999999999900000 micros > 2^63 - 1
    assert int(total.replace(".", "")) * 10_000 > INT64_MAX

    stats = await client.get(f"{GOALS}/{goal_id}/stats", headers=bearer(token))
    assert stats.status_code == 200
    assert stats.content == (
        b'{"data":{"conversions":10,"unique_conversions":10,"revenue":9999999999999.90}}'
    )

    preview = await client.post(
        f"{GOALS}/preview",
        json={
            "type": "custom",
            "match_type": "exact",
            "match_value": "purchase",
            "currency": "USD",
        },
        headers=bearer(token),
    )
    assert preview.status_code == 200
    assert preview.content == (
        b'{"data":{"conversions":10,"unique_conversions":10,"revenue":9999999999999.90,'
        b'"top_matches":[{"value":"purchase","conversions":10}]}}'
    )

    body = await graphql(client, token, STATS_QUERY, {"site": site, "id": goal_id})
    assert "errors" not in body
    result = body["data"]["goal"]["stats"]
    assert result["conversions"] == 10
    assert result["revenue"] == {"amount": total, "currency": "USD"}
    assert result["revenueByCurrency"] == [{"amount": total, "currency": "USD"}]
    # The month buckets add up to the total, whichever month "today" falls in.
    months = [bucket["revenue"]["amount"] for bucket in result["timeseries"]]
    assert [amount for amount in months if amount != "0.00"] == [total]


MARCH_STATS = """
query($site: String!, $id: ID!) {
  goal(siteKey: $site, id: $id) {
    stats(period: CUSTOM, from: "2024-03-01", to: "2024-03-31") {
      conversions revenue { amount } revenueByCurrency { amount currency } unconvertedConversions
    }
  }
}
"""


async def test_stored_amounts_near_int64_max_sum_exactly_in_the_goal_and_other_currencies(
    client: Client, db: Database, site: str, token: str
) -> None:
    # Rows stored before amounts were bounded (each still a valid BIGINT):
    # their sum, in the goal's currency and in another one, passes 2^63.
    goal_id = await create_goal(client, token)
    march = 1_710_000_000_000  # 2024-03-09T16:00:00Z
    big = 9_000_000_000_000_000_000  # below 2^63 - 1, twice over it
    await insert_events(
        db,
        site,
        [
            ("goal", "purchase", march, 1, (big, "USD")),
            ("goal", "purchase", march + 1, 2, (big, "USD")),
            ("goal", "purchase", march + 2, 3, (INT64_MAX, "EUR")),
            ("goal", "purchase", march + 3, 4, (INT64_MAX, "EUR")),
        ],
    )
    stats = await client.get(
        f"{GOALS}/{goal_id}/stats?period=custom&from=2024-03-01&to=2024-03-31",
        headers=bearer(token),
    )
    assert stats.status_code == 200
    assert stats.content == (
        b'{"data":{"conversions":4,"unique_conversions":4,"revenue":18000000000000.00}}'
    )
    body = await graphql(client, token, MARCH_STATS, {"site": site, "id": goal_id})
    assert body == {
        "data": {
            "goal": {
                "stats": {
                    "conversions": 4,
                    "revenue": {"amount": "18000000000000.00"},
                    # 2 * (2^63 - 1) micros = 18446744073709.551614 EUR, shown in cents.
                    "revenueByCurrency": [
                        {"amount": "18446744073709.55", "currency": "EUR"},
                        {"amount": "18000000000000.00", "currency": "USD"},
                    ],
                    "unconvertedConversions": 2,
                }
            }
        }
    }


# --- one goal's failure stays with that goal ----------------------------------------

GOALS_WITH_STATS = """
query($key: String!) {
  site(key: $key) { key goals { nodes { name stats { conversions } } } }
}
"""


async def test_a_failure_in_one_goals_stats_leaves_the_other_goals_stats(
    client: Client, site: str, token: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    await create_goal(client, token, name="Broken", match_value="broken")
    await create_goal(client, token)
    response = await client.post(EVENTS_URL, json=purchase("10"))
    assert response.status_code == 202
    built = graphql_types.GoalStats.from_service

    def failing_for_broken(stats: Any, query: Any) -> Any:
        # A fault that hits one goal only, as a goal whose stored definition
        # the current code cannot show would.
        if query.goal.name == "Broken":
            raise RuntimeError("cannot show this goal's stats")
        return built(stats, query)

    monkeypatch.setattr(graphql_types.GoalStats, "from_service", failing_for_broken)
    body = await graphql(client, token, GOALS_WITH_STATS, {"key": site})
    assert body["data"] == {
        "site": {
            "key": site,
            "goals": {
                "nodes": [
                    {"name": "Broken", "stats": None},
                    {"name": "Purchase", "stats": {"conversions": 1}},
                ]
            },
        }
    }
    line = GOALS_WITH_STATS.splitlines()[2]
    assert body["errors"] == [
        {
            "message": "Unexpected error.",
            "locations": [{"line": 3, "column": line.index("stats") + 1}],
            "path": ["site", "goals", "nodes", 0, "stats"],
            "extensions": {"code": "INTERNAL_ERROR"},
        }
    ]


# --- the SQLite split sum itself -----------------------------------------------------

int64s = st.integers(min_value=-(2**63), max_value=INT64_MAX)


@given(values=st.lists(int64s | st.sampled_from([INT64_MAX, -(2**63), 10**18 - 1]), max_size=40))
def test_sqlite_split_sum_is_the_exact_sum_of_any_int64_values(values: list[int]) -> None:
    connection = sqlite3.connect(":memory:")
    try:
        connection.execute("CREATE TABLE t (v INTEGER)")
        connection.executemany("INSERT INTO t VALUES (?)", [(v,) for v in values])
        columns = ", ".join(dialect.SQLITE.exact_sum("v"))
        row = connection.execute(f"SELECT {columns} FROM t").fetchone()  # noqa: S608 - our SQL
    finally:
        connection.close()
    assert stats_store.combine(row) == (sum(values) if values else None)


async def test_a_batch_broken_by_one_goal_leaves_the_other_goals_stats(
    client: Client, site: str, token: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    await create_goal(client, token, name="Broken", match_value="broken")
    await create_goal(client, token)
    assert (await client.post(EVENTS_URL, json=purchase("10"))).status_code == 202
    computed = stats_service.stats_for

    async def failing_with_broken(db: Database, keys: Any, queries: list[Any]) -> Any:
        # One goal makes the page's one statement fail, as the SQLite sum
        # overflow did: every goal aggregated with it used to fail too.
        if any(query.goal.name == "Broken" for query in queries):
            raise RuntimeError("one goal breaks the statement")
        return await computed(db, keys, queries)

    monkeypatch.setattr(stats_service, "stats_for", failing_with_broken)
    body = await graphql(client, token, GOALS_WITH_STATS, {"key": site})
    assert body["data"]["site"]["goals"]["nodes"] == [
        {"name": "Broken", "stats": None},
        {"name": "Purchase", "stats": {"conversions": 1}},
    ]
    assert [(e["message"], e["path"]) for e in body["errors"]] == [
        ("Unexpected error.", ["site", "goals", "nodes", 0, "stats"])
    ]

"""Goal.breakdown and filter arguments through GraphQL: shapes, paging, errors, batching."""

from __future__ import annotations

from typing import Any

import pytest
from litestar import Litestar

from goalgate.storage.db import Database
from tests.helpers.breakdowns import write_sample
from tests.helpers.data import READ, WRITE, make_site, make_token
from tests.helpers.graphql import codes, counting_statements, create_goal, gql
from tests.helpers.http import Client

BREAKDOWN = """
query B($site: String!, $id: ID!, $by: Dimension!, $first: Int, $after: String,
        $filter: [StatsFilter!]) {
  goal(siteKey: $site, id: $id) {
    breakdown(by: $by, period: CUSTOM, from: "2024-03-01", to: "2024-03-31",
              first: $first, after: $after, filter: $filter) {
      nodes { value conversions uniqueConversions revenue { amount currency } conversionRate }
      edges { cursor node { value } }
      pageInfo { hasNextPage endCursor }
      from to timezone
    }
  }
}
"""

STATS = """
query S($site: String!, $id: ID!, $filter: [StatsFilter!]) {
  goal(siteKey: $site, id: $id) {
    stats(period: CUSTOM, from: "2024-03-01", to: "2024-03-31", filter: $filter) {
      conversions revenue { amount } visitors conversionRate
      timeseries(interval: MONTH) { conversions }
    }
  }
}
"""


async def arranged(client: Client, db: Database, site: str, token: str, **goal: Any) -> str:
    spec = {"name": "Buy", "type": "CUSTOM", "matchValue": "buy", "currency": "USD", **goal}
    created = await create_goal(client, token, site, **spec)
    await write_sample(db, site)
    return str(created["id"])


async def breakdown(client: Client, token: str, site: str, goal: str, **args: Any) -> Any:
    body = await gql(client, BREAKDOWN, {"site": site, "id": goal, "by": "SOURCE", **args}, token)
    return body


async def test_breakdown_by_source_answers_rows_revenue_and_rates(
    client: Client, db: Database, site: str, token: str
) -> None:
    goal = await arranged(client, db, site, token)
    body = await breakdown(client, token, site, goal)
    assert "errors" not in body, body
    result = body["data"]["goal"]["breakdown"]
    usd = "USD"
    assert result["nodes"] == [
        {"value": "Google", "conversions": 2, "uniqueConversions": 1,
         "revenue": {"amount": "12.00", "currency": usd}, "conversionRate": 1.0},
        {"value": "(none)", "conversions": 1, "uniqueConversions": 1,
         "revenue": {"amount": "0.00", "currency": usd}, "conversionRate": 1.0},
        {"value": "Twitter", "conversions": 1, "uniqueConversions": 1,
         "revenue": {"amount": "6.00", "currency": usd}, "conversionRate": 0.5},
    ]  # fmt: skip
    assert result["pageInfo"] == {"hasNextPage": False, "endCursor": result["edges"][2]["cursor"]}
    assert (result["from"], result["to"], result["timezone"]) == ("2024-03-01", "2024-03-31", "UTC")


async def test_breakdown_pages_with_first_and_after(
    client: Client, db: Database, site: str, token: str
) -> None:
    goal = await arranged(client, db, site, token)
    seen, after = [], None
    for _ in range(3):
        body = await breakdown(client, token, site, goal, first=1, after=after)
        result = body["data"]["goal"]["breakdown"]
        seen += [node["value"] for node in result["nodes"]]
        after = result["pageInfo"]["endCursor"]
    assert seen == ["Google", "(none)", "Twitter"]
    assert result["pageInfo"]["hasNextPage"] is False


async def test_breakdown_revenue_is_null_without_currency(
    client: Client, db: Database, site: str, token: str
) -> None:
    goal = await arranged(client, db, site, token, currency=None)
    body = await breakdown(client, token, site, goal, by="ENTRY_PAGE")
    nodes = body["data"]["goal"]["breakdown"]["nodes"]
    # Entry pages of visits: visitor 1's two visits start on /pricing (09:00 on
    # /home is more than 30 minutes before), visitor 3's has no page.
    assert [(n["value"], n["conversions"], n["revenue"]) for n in nodes] == [
        ("/pricing", 2, None),
        ("(none)", 1, None),
        ("/blog", 1, None),
    ]


@pytest.mark.parametrize(
    ("clauses", "conversions", "visitors"),
    [
        ([{"dimension": "SOURCE", "operator": "IS", "values": ["google", "twitter"]}], 3, 3),
        ([{"dimension": "SOURCE", "operator": "IS_NOT", "values": ["Google"]}], 2, 3),
        ([{"dimension": "SOURCE", "operator": "CONTAINS", "values": ["WIT"]}], 1, 2),
        (
            [
                {"dimension": "DEVICE", "operator": "IS", "values": ["desktop"]},
                {"dimension": "COUNTRY", "operator": "IS", "values": ["de"]},
            ],
            1,
            1,
        ),
    ],
)
async def test_stats_filter_applies_to_numbers_series_and_visitors(
    client: Client,
    db: Database,
    site: str,
    token: str,
    clauses: list[dict[str, Any]],
    conversions: int,
    visitors: int,
) -> None:
    goal = await arranged(client, db, site, token)
    body = await gql(client, STATS, {"site": site, "id": goal, "filter": clauses}, token)
    assert "errors" not in body, body
    stats = body["data"]["goal"]["stats"]
    assert stats["conversions"] == conversions
    assert stats["timeseries"] == [{"conversions": conversions}]
    assert stats["visitors"] == visitors


async def test_a_single_clause_is_a_filter_too(
    client: Client, db: Database, site: str, token: str
) -> None:
    goal = await arranged(client, db, site, token)
    # GraphQL's list coercion: one clause where a list is expected, as a
    # variable's value or written in the document.
    clause = {"dimension": "SOURCE", "operator": "IS", "values": ["(none)"]}
    body = await gql(client, STATS, {"site": site, "id": goal, "filter": clause}, token)
    assert body["data"]["goal"]["stats"]["conversions"] == 1
    literal = STATS.replace(
        "filter: $filter", 'filter: {dimension: SOURCE, operator: IS, values: "(none)"}'
    ).replace(", $filter: [StatsFilter!]", "")
    body = await gql(client, literal, {"site": site, "id": goal}, token)
    assert "errors" not in body, body
    assert body["data"]["goal"]["stats"]["conversions"] == 1


@pytest.mark.parametrize(
    ("args", "argument"),
    [
        ({"filter": [{"dimension": "COUNTRY", "operator": "IS", "values": ["XX"]}]}, "filter"),
        ({"filter": [{"dimension": "SOURCE", "operator": "IS", "values": []}]}, "filter"),
        ({"first": 0}, "first"),
        ({"first": 101}, "first"),
        ({"after": "garbage"}, "after"),
    ],
)
async def test_bad_breakdown_arguments_are_bad_user_input_naming_them(
    client: Client, db: Database, site: str, token: str, args: dict[str, Any], argument: str
) -> None:
    goal = await arranged(client, db, site, token)
    body = await breakdown(client, token, site, goal, **args)
    assert codes(body) == ["BAD_USER_INPUT"]
    assert list(body["errors"][0]["extensions"]["arguments"]) == [argument]
    assert body["data"]["goal"]["breakdown"] is None


async def test_unknown_dimension_is_a_validation_error(
    client: Client, db: Database, site: str, token: str
) -> None:
    goal = await arranged(client, db, site, token)
    body = await breakdown(client, token, site, goal, by="COLOUR")
    assert "errors" in body
    assert body.get("data") is None


async def test_breakdown_needs_analytics_read(
    client: Client, db: Database, site: str, token: str
) -> None:
    goal = await arranged(client, db, site, token)
    writer = await make_token(db, WRITE)
    body = await breakdown(client, writer, site, goal)
    assert "FORBIDDEN" in codes(body)


async def test_breakdown_of_another_sites_goal_is_null(
    client: Client, db: Database, site: str, token: str
) -> None:
    goal = await arranged(client, db, site, token)
    await make_site(db, "sk_other000000")
    other = await make_token(db, READ, sites=["sk_other000000"])
    body = await breakdown(client, other, site, goal)
    assert body["data"]["goal"] is None


MANY = """
query Many($key: String!) {
  site(key: $key) { goals(first: 100) { nodes {
    breakdown(by: SOURCE, period: CUSTOM, from: "2024-03-01", to: "2024-03-31", first: 5,
              filter: [{dimension: DEVICE, operator: IS_NOT, values: ["Tablet"]}]) {
      nodes { value conversions revenue { amount } conversionRate }
    }
  } } }
}
"""


async def test_breakdowns_of_many_goals_cost_the_same_statements_as_of_two(
    client: Client, app: Litestar, db: Database, site: str, token: str
) -> None:
    await write_sample(db, site)

    async def measure(goals: int) -> int:
        await gql(client, MANY, {"key": site}, token)  # warm: token use, key mirror
        with counting_statements(app) as statements:
            body = await gql(client, MANY, {"key": site}, token)
        assert "errors" not in body, body
        nodes = body["data"]["site"]["goals"]["nodes"]
        assert len(nodes) == goals
        assert nodes[0]["breakdown"]["nodes"][0] == {
            "value": "Google",
            "conversions": 2,
            "revenue": {"amount": "12.00"},
            "conversionRate": 1.0,
        }
        return len(statements)

    for n in range(2):
        await create_goal(client, token, site, name=f"Buy {n}", type="CUSTOM",
                          matchValue="buy", currency="USD")  # fmt: skip
    few = await measure(2)
    for n in range(2, 30):
        await create_goal(client, token, site, name=f"Buy {n}", type="CUSTOM",
                          matchValue="buy", currency="USD")  # fmt: skip
    many = await measure(30)
    assert few == many
    # The page of goals, the key refreshes, the breakdown, foreign revenue and
    # the visitors of the values shown.
    assert many <= 10

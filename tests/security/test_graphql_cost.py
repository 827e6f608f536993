"""A GraphQL operation is priced before it runs (goals x buckets x aliases, and what its
reads of events scan), and refused with BAD_USER_INPUT over GOALGATE_GRAPHQL_MAX_COST,
before any SQL statement.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from graphql import OperationDefinitionNode, get_operation_ast, parse
from litestar import Litestar
from litestar.testing import AsyncTestClient

from goalgate.api.graphql.cost import operation_cost
from goalgate.api.graphql.schema import build_schema
from goalgate.app import create_app
from goalgate.settings import Settings
from goalgate.storage.db import Database
from tests.helpers.data import make_site, make_token
from tests.helpers.docs import documented_operations
from tests.helpers.graphql import counting_statements, create_goal, gql
from tests.helpers.http import Client

ROOT = Path(__file__).resolve().parents[2]
HEAVY = """
query Heavy($site: String!, $first: Int = 20, $from: Date!, $to: Date!) {
  a: site(key: $site) { ...Series }
  b: site(key: $site) { ...Series }
  c: site(key: $site) { ...Series }
}
fragment Series on Site {
  goals(first: $first) {
    nodes {
      stats(period: CUSTOM, from: $from, to: $to, compare: PREVIOUS_PERIOD) {
        timeseries(interval: DAY) { date conversions }
        previous { timeseries(interval: DAY) { date conversions } }
      }
    }
  }
}
"""
# 2015-01-01..2025-01-07 is 3660 days. Per alias: the site, its goal connection,
# 20 goals, their 20 stats with 3660 buckets each, 20 previous with as many; and
# four reads of 3660 days (122 started 30-day spans) per goal: stats, its time
# series, previous and its time series.
HEAVY_COST = 3 * (1 + 1 + 20 + 20 * (1 + 3660 + 1 + 3660 + 4 * 122))
WEEK = """
query Week($site: String!, $first: Int!) {
  site(key: $site) {
    goals(first: $first) { nodes { stats(period: LAST_7_DAYS) { timeseries { date } } } }
  }
}
"""


@pytest.fixture
async def small_budget(
    settings: Settings,
) -> AsyncIterator[tuple[Client, Litestar]]:
    app = create_app(settings.model_copy(update={"graphql_max_cost": 100}))
    async with AsyncTestClient(app=app) as client:
        yield client, app


async def test_20_goals_x_3660_daily_buckets_x_previous_x_3_aliases_is_refused_before_sql(
    client: Client, app: Litestar, db: Database, site: str, token: str
) -> None:
    for n in range(20):
        await create_goal(client, token, site, name=f"Goal {n}", matchValue=f"e{n}")
    variables = {"site": site, "from": "2015-01-01", "to": "2025-01-07"}
    with counting_statements(app) as statements:
        body = await gql(client, HEAVY, variables, token)
    assert HEAVY_COST == 468_666
    # Refused before execution: a request error, which carries no data.
    assert body == {
        "errors": [
            {
                "message": "this operation would cost 468666, over the limit of 50000 "
                "(GOALGATE_GRAPHQL_MAX_COST): ask for fewer goals (first), shorter periods, "
                "coarser intervals, fewer filter clauses or fewer aliases",
                "extensions": {"code": "BAD_USER_INPUT", "cost": 468666, "maxCost": 50000},
            }
        ],
    }
    # (The rate limiter's background sync may begin a transaction of its own
    # meanwhile, on SQLite: its BEGIN is not this request's.)
    assert [sql for sql in statements if not sql.startswith("BEGIN")] == []


async def test_an_operation_within_the_limit_runs_and_one_over_it_does_not(
    small_budget: tuple[Client, Litestar], db: Database
) -> None:
    client, _ = small_budget
    await make_site(db, "sk_cost")
    token = await make_token(db)
    # 1 site + 1 connection + n x (1 goal + 1 stats + 7 daily buckets + 2 reads
    # of a week: the stats' and the time series').
    within = await gql(client, WEEK, {"site": "sk_cost", "first": 8}, token)
    assert within == {"data": {"site": {"goals": {"nodes": []}}}}
    over = await gql(client, WEEK, {"site": "sk_cost", "first": 9}, token)
    assert over["errors"][0]["extensions"] == {
        "code": "BAD_USER_INPUT",
        "cost": 101,
        "maxCost": 100,
    }
    # A field skipped by @skip costs nothing.
    skipped = WEEK.replace("timeseries {", "timeseries @skip(if: true) {")
    assert (await gql(client, skipped, {"site": "sk_cost", "first": 9}, token)) == {
        "data": {"site": {"goals": {"nodes": []}}}
    }


def test_every_documented_operation_passes_the_default_budget() -> None:
    schema = build_schema()._schema
    operations = documented_operations()
    # Other examples may come: each must pass, whatever their number.
    assert len(operations) >= 12
    costs = {}
    for source in operations:
        document = parse(source)
        for operation in document.definitions:
            assert isinstance(operation, OperationDefinitionNode), source
            # Named, every one (codegen and persisted documents need names), once.
            assert operation.name is not None, source
            assert operation.name.value not in costs, operation.name.value
            costs[operation.name.value] = operation_cost(
                schema, document, operation, {}, sites=10
            ).cost
    assert max(costs.values()) <= Settings().graphql_max_cost == 50_000
    # The frontend's dashboard: the site, its goal connection, and 100 x (a
    # goal, its stats, their revenue, the stats' read of 30 days).
    assert costs["Dashboard"] == 402


BREAKDOWNS = """
query B($site: String!) {
  site(key: $site) {
    goals(first: 20) {
      nodes { breakdown(by: SOURCE, first: 100) { nodes { value conversionRate } } }
    }
  }
}
"""


def test_breakdowns_are_priced_goals_x_first() -> None:
    schema = build_schema()._schema
    document = parse(BREAKDOWNS)
    operation = get_operation_ast(document)
    assert operation is not None
    # The site, its goal connection, 20 goals, each a breakdown connection of 100
    # rows and its read of 30 days.
    cost = operation_cost(schema, document, operation, {}).cost
    assert cost == 1 + 1 + 20 + 20 * (1 + 100 + 1)


ENTRY_PAGE_CLAUSES = ", ".join(
    f'{{dimension: ENTRY_PAGE, operator: IS_NOT, values: ["/x{n}"]}}' for n in range(10)
)


def _entry_pages(by: str) -> str:
    return (
        "query EntryPages($site: String!) { site(key: $site) { goals(first: 20) { nodes { "
        f"breakdown(by: {by}, filter: [{ENTRY_PAGE_CLAUSES}]) "
        "{ nodes { value conversions } } } } } }"
    )


async def test_entry_pages_cost_what_any_dimension_costs_since_visits(
    client: Client, app: Litestar, db: Database, site: str, token: str
) -> None:
    """Issue #20 priced an ENTRY_PAGE clause or breakdown as 250 clauses (a correlated
    lookup per event); since visits (#22) it is a column of the event row like SOURCE,
    so 20 goals broken down by ENTRY_PAGE under 10 ENTRY_PAGE clauses are served."""
    schema = build_schema()._schema

    def cost(source: str) -> int:
        document = parse(source)
        operation = get_operation_ast(document)
        assert operation is not None
        return operation_cost(schema, document, operation, {"site": site}).cost

    # The site, its connection, 20 goals, each a breakdown with 10 rows and its
    # read: 1 span of 30 days x (1 + 10 clauses).
    expected = 1 + 1 + 20 + 20 * (1 + 10 + 1 * (1 + 10))
    assert cost(_entry_pages("ENTRY_PAGE")) == cost(_entry_pages("SOURCE")) == expected == 462
    for n in range(20):
        await create_goal(client, token, site, name=f"Goal {n}", matchValue=f"e{n}")
    body = await gql(client, _entry_pages("ENTRY_PAGE"), {"site": site}, token)
    assert "errors" not in body
    goals = body["data"]["site"]["goals"]["nodes"]
    assert goals == [{"breakdown": {"nodes": []}}] * 20


def test_filters_multiply_a_read_and_a_single_clause_counts_as_a_list() -> None:
    schema = build_schema()._schema

    def cost(stats_arguments: str, variables: dict[str, object] | None = None) -> int:
        source = (
            'query($f: [StatsFilter!]) { site(key: "sk") { goals(first: 1) { nodes { '
            f"stats({stats_arguments}) {{ conversions }} }} }} }} }}"
        )
        document = parse(source)
        operation = get_operation_ast(document)
        assert operation is not None
        return operation_cost(schema, document, operation, variables or {}).cost

    # site, connection, goal, stats: 4 objects, and the stats' read.
    assert cost("period: LAST_7_DAYS") == 4 + 1
    assert cost("period: LAST_12_MONTHS") == 4 + 13  # 366 days: 13 spans of 30
    two = (
        '[{dimension: SOURCE, operator: IS, values: ["a"]}, '
        '{dimension: PAGE, operator: IS, values: ["/"]}]'
    )
    assert cost(f"period: LAST_12_MONTHS, filter: {two}") == 4 + 13 * 3
    one = '{dimension: ENTRY_PAGE, operator: IS, values: ["/"]}'
    assert cost(f"filter: {one}") == 4 + 1 * (1 + 1)
    clause = {"dimension": "ENTRY_PAGE", "operator": "IS", "values": ["/"]}
    assert cost("filter: $f", {"f": [clause, clause]}) == 4 + 1 * (1 + 2)

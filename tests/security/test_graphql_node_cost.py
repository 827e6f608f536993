"""Query.node and Query.nodes are priced before they run, as site and goal are: each id
as the dearest of its possible types' selections, at most 100 ids."""

from __future__ import annotations

from graphql import get_operation_ast, parse
from litestar import Litestar

from goalgate.api.graphql.cost import operation_cost
from goalgate.api.graphql.schema import build_schema
from tests.helpers.graphql import counting_statements, gql
from tests.helpers.http import Client


def _priced(source: str, variables: dict[str, object] | None = None) -> int:
    schema = build_schema()._schema
    document = parse(source)
    operation = get_operation_ast(document)
    assert operation is not None
    return operation_cost(schema, document, operation, variables or {}).cost


NODE_SERIES = """
query NodeSeries($id: ID!, $from: Date!, $to: Date!) {
  node(id: $id) {
    id
    ... on Goal {
      stats(period: CUSTOM, from: $from, to: $to) { timeseries(interval: DAY) { date } }
    }
    ... on Site { goals(first: 100) { nodes { id } } }
  }
}
"""
DECADE = {"id": "x", "from": "2015-01-01", "to": "2025-01-07"}


def test_node_is_priced_as_its_dearest_type() -> None:
    # As a goal: the goal, its stats and 3660 buckets, two reads of 122 spans;
    # as a site: the site, its connection and 100 goals. The goal is dearer.
    as_goal = 1 + 1 + 3660 + 2 * 122
    assert _priced(NODE_SERIES, DECADE) == as_goal
    # The same selection under goal(...) costs the same.
    same = """
    query G($from: Date!, $to: Date!) { goal(siteKey: "sk", id: "x") {
      stats(period: CUSTOM, from: $from, to: $to) { timeseries(interval: DAY) { date } } } }
    """
    assert _priced(same, DECADE) == as_goal
    # A fragment spread, and a Node fragment around a Goal one, count alike.
    spread = """
    query S($id: ID!) { node(id: $id) { ...N } }
    fragment N on Node { ... on Site { goals(first: 100) { nodes { id } } } }
    """
    assert _priced(spread, {"id": "x"}) == 1 + 1 + 100


def test_nodes_are_priced_per_id_up_to_the_bound() -> None:
    source = """
    query Ns($ids: [ID!]!) {
      nodes(ids: $ids) { ... on Site { goals(first: 100) { nodes { id } } } }
    }
    """
    per_site = 1 + 1 + 100
    assert _priced(source, {"ids": ["a", "b", "c"]}) == 3 * per_site
    assert _priced(source, {"ids": []}) == 0
    # A single id coerces to a list of one; over 100 ids is refused, priced at 100.
    assert _priced(source, {"ids": "a"}) == per_site
    assert _priced(source, {"ids": ["a"] * 500}) == 100 * per_site


async def test_many_aliased_node_series_are_refused_before_sql(
    client: Client, app: Litestar, site: str, token: str
) -> None:
    aliases = " ".join(f"n{n}: node(id: $id) {{ ...G }}" for n in range(13))
    source = (
        f"query Many($id: ID!, $from: Date!, $to: Date!) {{ {aliases} }} "
        "fragment G on Goal { stats(period: CUSTOM, from: $from, to: $to) "
        "{ timeseries(interval: DAY) { date } } }"
    )
    with counting_statements(app) as statements:
        body = await gql(client, source, DECADE, token)
    assert body["errors"][0]["extensions"] == {
        "code": "BAD_USER_INPUT",
        "cost": 13 * (1 + 1 + 3660 + 2 * 122),
        "maxCost": 50000,
    }
    assert "data" not in body or body["data"] is None
    assert [sql for sql in statements if not sql.startswith("BEGIN")] == []

"""Object identification: Node, Site.id, Query.node and Query.nodes."""

from __future__ import annotations

import base64

from goalgate.storage.db import Database
from tests.helpers.data import READ, WRITE, make_goal, make_token
from tests.helpers.graphql import codes, counting_statements, gql
from tests.helpers.http import Client

NODE = """
query Node($id: ID!) {
  node(id: $id) {
    __typename
    id
    ... on Goal { name site { id key } }
    ... on Site { key domain }
  }
}
"""

NODES = """
query Nodes($ids: [ID!]!) {
  nodes(ids: $ids) { __typename id ... on Goal { name } ... on Site { key } }
}
"""

SITE_ID = """
query SiteId($key: String!) { site(key: $key) { id key goals { nodes { id } } } }
"""

MISSING_GOAL = "00000000-0000-4000-8000-000000000000"


def site_node_id(key: str) -> str:
    return base64.b64encode(f"Site:{key}".encode()).decode()


async def test_site_id_is_base64_of_its_type_and_key(client: Client, site: str, token: str) -> None:
    body = await gql(client, SITE_ID, {"key": site}, token)
    assert body == {
        "data": {
            "site": {"id": "U2l0ZTpza19hYmMxMjNkZWY0NTY=", "key": site, "goals": {"nodes": []}}
        }
    }
    assert site_node_id(site) == "U2l0ZTpza19hYmMxMjNkZWY0NTY="


async def test_node_finds_a_site_by_its_id(client: Client, site: str, token: str) -> None:
    body = await gql(client, NODE, {"id": site_node_id(site)}, token)
    assert body == {
        "data": {
            "node": {
                "__typename": "Site",
                "id": site_node_id(site),
                "key": site,
                "domain": "example.com",
            }
        }
    }


async def test_node_finds_a_goal_by_its_uuid(
    client: Client, db: Database, site: str, token: str
) -> None:
    goal = await make_goal(db, site, name="Purchase")
    body = await gql(client, NODE, {"id": goal.id}, token)
    assert body == {
        "data": {
            "node": {
                "__typename": "Goal",
                "id": goal.id,
                "name": "Purchase",
                "site": {"id": site_node_id(site), "key": site},
            }
        }
    }


async def test_node_is_null_for_unknown_and_malformed_ids(
    client: Client, db: Database, site: str, token: str
) -> None:
    goal = await make_goal(db, site)
    for unknown in (
        MISSING_GOAL,
        goal.id.upper(),  # not the canonical spelling
        site_node_id("sk_nope"),
        site_node_id(site).rstrip("="),  # not canonical base64
        base64.b64encode(b"Goal:" + goal.id.encode()).decode(),
        base64.b64encode(b"Site:bad key!").decode(),
        base64.b64encode(b"\xff\xfe").decode(),
        "not an id",
        "",
        "Site:" + site,
    ):
        assert await gql(client, NODE, {"id": unknown}, token) == {"data": {"node": None}}, unknown


async def test_nodes_answers_each_id_in_order_with_nulls(
    client: Client, db: Database, site: str, token: str
) -> None:
    first = await make_goal(db, site, name="First", match_value="first")
    second = await make_goal(db, site, name="Second", match_value="second")
    ids = [second.id, "junk", site_node_id(site), MISSING_GOAL, first.id, second.id]
    body = await gql(client, NODES, {"ids": ids}, token)
    assert body == {
        "data": {
            "nodes": [
                {"__typename": "Goal", "id": second.id, "name": "Second"},
                None,
                {"__typename": "Site", "id": site_node_id(site), "key": site},
                None,
                {"__typename": "Goal", "id": first.id, "name": "First"},
                {"__typename": "Goal", "id": second.id, "name": "Second"},
            ]
        }
    }


async def test_nodes_of_an_empty_list_is_empty(client: Client, token: str) -> None:
    assert await gql(client, NODES, {"ids": []}, token) == {"data": {"nodes": []}}


async def test_nodes_loads_every_goal_in_one_statement(
    client: Client, db: Database, site: str, token: str, app: object
) -> None:
    goals = [await make_goal(db, site, name=f"G{n}", match_value=f"g{n}") for n in range(5)]
    await gql(client, NODES, {"ids": [goals[0].id]}, token)  # warm the token and site caches
    with counting_statements(app) as seen:  # type: ignore[arg-type]
        body = await gql(client, NODES, {"ids": [goal.id for goal in goals]}, token)
    assert [node["name"] for node in body["data"]["nodes"]] == ["G0", "G1", "G2", "G3", "G4"]
    goal_reads = [sql for sql in seen if "FROM goals" in sql]
    assert len(goal_reads) == 1, seen


async def test_nodes_refuses_more_than_100_ids(client: Client, token: str) -> None:
    body = await gql(client, NODES, {"ids": [MISSING_GOAL] * 101}, token)
    assert body["data"] is None
    assert codes(body) == ["BAD_USER_INPUT"]
    assert body["errors"][0]["extensions"]["arguments"] == {"ids": "at most 100 ids, got 101"}
    body = await gql(client, NODES, {"ids": [MISSING_GOAL] * 100}, token)
    assert body == {"data": {"nodes": [None] * 100}}


async def test_node_needs_analytics_read_like_site(client: Client, db: Database, site: str) -> None:
    writer = await make_token(db, WRITE)
    body = await gql(client, NODE, {"id": site_node_id(site)}, writer)
    assert body["data"] == {"node": None}
    assert codes(body) == ["FORBIDDEN"]
    assert body["errors"][0]["extensions"]["scope"] == READ
    body = await gql(client, NODES, {"ids": []}, writer)
    assert body["data"] is None
    assert codes(body) == ["FORBIDDEN"]


async def test_node_without_a_token_is_unauthenticated(client: Client, site: str) -> None:
    body = await gql(client, NODE, {"id": site_node_id(site)})
    assert body["data"] == {"node": None}
    assert codes(body) == ["UNAUTHENTICATED"]

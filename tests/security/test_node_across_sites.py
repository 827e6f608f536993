"""Query.node and Query.nodes leak nothing across sites: another site's goal or site is
null, exactly as an id that names nothing."""

from __future__ import annotations

import base64

from goalgate.storage.db import Database
from tests.helpers.data import READ, make_goal, make_site, make_token
from tests.helpers.graphql import gql
from tests.helpers.http import Client

NODE = """
query Node($id: ID!) { node(id: $id) { id ... on Goal { name } ... on Site { key } } }
"""
NODES = "query Nodes($ids: [ID!]!) { nodes(ids: $ids) { id } }"
MISSING_GOAL = "00000000-0000-4000-8000-000000000000"


def site_node_id(key: str) -> str:
    return base64.b64encode(f"Site:{key}".encode()).decode()


async def test_goal_of_another_site_is_null_like_an_unknown_id(
    client: Client, db: Database
) -> None:
    await make_site(db, "sk_mine")
    await make_site(db, "sk_theirs")
    mine = await make_goal(db, "sk_mine", name="Mine")
    theirs = await make_goal(db, "sk_theirs", name="Theirs")
    limited = await make_token(db, READ, sites=["sk_mine"])

    hidden = await client.post(
        "/graphql",
        json={"query": NODE, "variables": {"id": theirs.id}},
        headers={"Authorization": f"Bearer {limited}"},
    )
    missing = await client.post(
        "/graphql",
        json={"query": NODE, "variables": {"id": MISSING_GOAL}},
        headers={"Authorization": f"Bearer {limited}"},
    )
    # Same status, same body, byte for byte: nothing tells the two apart.
    assert hidden.status_code == missing.status_code == 200
    assert hidden.content == missing.content == b'{"data":{"node":null}}'

    body = await gql(client, NODE, {"id": mine.id}, limited)
    assert body == {"data": {"node": {"id": mine.id, "name": "Mine"}}}


async def test_site_of_another_account_is_null_like_an_unknown_one(
    client: Client, db: Database
) -> None:
    await make_site(db, "sk_mine")
    await make_site(db, "sk_theirs")
    limited = await make_token(db, READ, sites=["sk_mine"])
    for hidden in (site_node_id("sk_theirs"), site_node_id("sk_nowhere")):
        assert await gql(client, NODE, {"id": hidden}, limited) == {"data": {"node": None}}
    body = await gql(client, NODE, {"id": site_node_id("sk_mine")}, limited)
    assert body == {"data": {"node": {"id": site_node_id("sk_mine"), "key": "sk_mine"}}}


async def test_nodes_mixes_visible_and_hidden_without_telling_them_apart(
    client: Client, db: Database
) -> None:
    await make_site(db, "sk_mine")
    await make_site(db, "sk_theirs")
    mine = await make_goal(db, "sk_mine")
    theirs = await make_goal(db, "sk_theirs")
    limited = await make_token(db, READ, sites=["sk_mine"])
    ids = [theirs.id, mine.id, MISSING_GOAL, site_node_id("sk_theirs")]
    body = await gql(client, NODES, {"ids": ids}, limited)
    assert body == {"data": {"nodes": [None, {"id": mine.id}, None, None]}}

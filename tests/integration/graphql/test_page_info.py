"""Every connection's PageInfo as Relay's spec has it: hasNextPage, hasPreviousPage,
startCursor and endCursor, with a cursor on every edge. Paging is forward only, so
hasPreviousPage is false on every page, the pages after the first included."""

from __future__ import annotations

from typing import Any

from goalgate.storage.db import Database
from tests.helpers.breakdowns import write_sample
from tests.helpers.graphql import create_goal, gql
from tests.helpers.http import Client

PAGE_INFO = "pageInfo { hasNextPage hasPreviousPage startCursor endCursor }"

GOALS = f"""
query Goals($site: String!, $first: Int, $after: String) {{
  site(key: $site) {{
    goals(first: $first, after: $after) {{ edges {{ cursor node {{ name }} }} {PAGE_INFO} }}
  }}
}}
"""

GOAL_BREAKDOWN = f"""
query GB($site: String!, $id: ID!, $first: Int, $after: String) {{
  goal(siteKey: $site, id: $id) {{
    breakdown(by: SOURCE, period: CUSTOM, from: "2024-03-01", to: "2024-03-31",
              first: $first, after: $after) {{ edges {{ cursor node {{ value }} }} {PAGE_INFO} }}
  }}
}}
"""

SITE_BREAKDOWN = f"""
query SB($site: String!, $first: Int, $after: String) {{
  site(key: $site) {{
    breakdown(by: SOURCE, period: CUSTOM, from: "2024-03-01", to: "2024-03-31",
              first: $first, after: $after) {{ edges {{ cursor node {{ value }} }} {PAGE_INFO} }}
  }}
}}
"""


def _pages(connection: dict[str, Any]) -> tuple[list[str], dict[str, Any]]:
    return [edge["cursor"] for edge in connection["edges"]], connection["pageInfo"]


def _expected(cursors: list[str], has_next: bool) -> dict[str, Any]:
    return {
        "hasNextPage": has_next,
        "hasPreviousPage": False,
        "startCursor": cursors[0] if cursors else None,
        "endCursor": cursors[-1] if cursors else None,
    }


async def test_goal_pages_carry_start_and_end_cursors(
    client: Client, site: str, token: str
) -> None:
    for n in range(3):
        await create_goal(client, token, site, name=f"Goal {n}", matchValue=f"g{n}")
    first = (await gql(client, GOALS, {"site": site, "first": 2}, token))["data"]["site"]["goals"]
    cursors, info = _pages(first)
    assert [edge["node"]["name"] for edge in first["edges"]] == ["Goal 0", "Goal 1"]
    assert len(cursors) == 2
    assert cursors[0] != cursors[1]
    assert info == _expected(cursors, True)

    body = await gql(client, GOALS, {"site": site, "first": 2, "after": info["endCursor"]}, token)
    second = body["data"]["site"]["goals"]
    cursors, info = _pages(second)
    assert [edge["node"]["name"] for edge in second["edges"]] == ["Goal 2"]
    # Forward paging: false even after a cursor (documented choice).
    assert info == _expected(cursors, False)
    assert info["startCursor"] == info["endCursor"] == cursors[0]


async def test_an_empty_page_has_null_cursors(client: Client, site: str, token: str) -> None:
    body = await gql(client, GOALS, {"site": site, "first": 0}, token)
    assert body["data"]["site"]["goals"] == {"edges": [], "pageInfo": _expected([], False)}
    body = await gql(client, GOALS, {"site": site}, token)
    assert body["data"]["site"]["goals"]["pageInfo"] == _expected([], False)


async def test_goal_breakdown_pages_carry_start_and_end_cursors(
    client: Client, db: Database, site: str, token: str
) -> None:
    goal = await create_goal(client, token, site, name="Buy", type="CUSTOM", matchValue="buy")
    await write_sample(db, site)
    variables = {"site": site, "id": goal["id"], "first": 2}
    body = await gql(client, GOAL_BREAKDOWN, variables, token)
    cursors, info = _pages(body["data"]["goal"]["breakdown"])
    assert len(cursors) == 2
    assert info == _expected(cursors, True)
    body = await gql(client, GOAL_BREAKDOWN, {**variables, "after": info["endCursor"]}, token)
    connection = body["data"]["goal"]["breakdown"]
    cursors, info = _pages(connection)
    assert [edge["node"]["value"] for edge in connection["edges"]] == ["Twitter"]
    assert info == _expected(cursors, False)


async def test_site_breakdown_pages_carry_start_and_end_cursors(
    client: Client, db: Database, site: str, token: str
) -> None:
    await write_sample(db, site)
    body = await gql(client, SITE_BREAKDOWN, {"site": site, "first": 1}, token)
    cursors, info = _pages(body["data"]["site"]["breakdown"])
    assert len(cursors) == 1
    assert info == _expected(cursors, True)
    after = info["endCursor"]
    body = await gql(client, SITE_BREAKDOWN, {"site": site, "first": 100, "after": after}, token)
    cursors, info = _pages(body["data"]["site"]["breakdown"])
    assert cursors
    assert info == _expected(cursors, False)
    # Nothing after the last row: an empty page.
    body = await gql(client, SITE_BREAKDOWN, {"site": site, "after": cursors[-1]}, token)
    assert body["data"]["site"]["breakdown"] == {"edges": [], "pageInfo": _expected([], False)}


async def test_an_empty_breakdown_has_null_cursors(
    client: Client, db: Database, site: str, token: str
) -> None:
    goal = await create_goal(client, token, site, name="Never", matchValue="never")
    await write_sample(db, site)
    body = await gql(client, GOAL_BREAKDOWN, {"site": site, "id": goal["id"]}, token)
    assert body["data"]["goal"]["breakdown"] == {"edges": [], "pageInfo": _expected([], False)}

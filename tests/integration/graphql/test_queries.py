"""Query.site, Query.goal, Query.viewer and the goals connection."""

from __future__ import annotations

from typing import Any

import pytest

from goalgate.storage.db import Database
from tests.helpers.data import READ, make_site, make_token
from tests.helpers.graphql import GOAL_FIELDS, codes, create_goal, gql
from tests.helpers.http import Client

SITE = """
query Site($key: String!) {
  site(key: $key) { key domain timezone }
}
"""

GOAL = f"""
query Goal($site: String!, $id: ID!) {{
  goal(siteKey: $site, id: $id) {{ {GOAL_FIELDS} site {{ key domain timezone }} }}
}}
"""

PAGE = """
query Page($key: String!, $first: Int, $after: String, $type: GoalType) {
  site(key: $key) {
    goals(first: $first, after: $after, type: $type) {
      nodes { name }
      edges { cursor node { name } }
      pageInfo { hasNextPage endCursor }
      totalCount
    }
  }
}
"""


async def test_site_returns_its_key_domain_and_timezone(
    client: Client, db: Database, token: str
) -> None:
    await make_site(db, "sk_berlin", domain="shop.example.de", timezone="Europe/Berlin")
    body = await gql(client, SITE, {"key": "sk_berlin"}, token)
    assert body == {
        "data": {
            "site": {"key": "sk_berlin", "domain": "shop.example.de", "timezone": "Europe/Berlin"}
        }
    }


async def test_unknown_site_is_null_without_error(client: Client, site: str, token: str) -> None:
    assert await gql(client, SITE, {"key": "sk_nope"}, token) == {"data": {"site": None}}


async def test_site_the_token_may_not_see_is_null_like_a_missing_one(
    client: Client, db: Database, site: str
) -> None:
    await make_site(db, "sk_other")
    limited = await make_token(db, READ, sites=["sk_other"])
    assert await gql(client, SITE, {"key": site}, limited) == {"data": {"site": None}}
    body = await gql(client, SITE, {"key": "sk_other"}, limited)
    assert body["data"]["site"]["key"] == "sk_other"


async def test_goal_returns_every_field_and_its_site(client: Client, site: str, token: str) -> None:
    created = await create_goal(
        client,
        token,
        site,
        name="Purchase",
        type="CUSTOM",
        matchType="EXACT",
        matchValue="purchase",
        currency="usd",
    )
    body = await gql(client, GOAL, {"site": site, "id": created["id"]}, token)
    goal = body["data"]["goal"]
    assert goal == {
        **created,
        "site": {"key": site, "domain": "example.com", "timezone": "UTC"},
    }
    assert goal["name"] == "Purchase"
    assert goal["type"] == "CUSTOM"
    assert goal["matchType"] == "EXACT"
    assert goal["matchValue"] == "purchase"
    assert goal["currency"] == "USD"
    assert goal["createdAt"] == goal["updatedAt"]
    assert goal["createdAt"].endswith("+00:00")


@pytest.mark.parametrize(
    "goal_id",
    ["not-a-uuid", "550e8400-e29b-41d4-a716-446655440000", "550E8400-E29B-41D4-A716-446655440000"],
)
async def test_unknown_or_malformed_goal_id_is_null(
    client: Client, site: str, token: str, goal_id: str
) -> None:
    assert await gql(client, GOAL, {"site": site, "id": goal_id}, token) == {"data": {"goal": None}}


async def test_goal_of_another_site_is_null(
    client: Client, db: Database, site: str, token: str
) -> None:
    other = await make_site(db, "sk_other")
    goal = await create_goal(client, token, other)
    assert await gql(client, GOAL, {"site": site, "id": goal["id"]}, token) == {
        "data": {"goal": None}
    }


async def test_goal_on_a_site_the_token_may_not_see_is_null(
    client: Client, db: Database, site: str, token: str
) -> None:
    goal = await create_goal(client, token, site)
    await make_site(db, "sk_other")
    limited = await make_token(db, READ, sites=["sk_other"])
    assert await gql(client, GOAL, {"site": site, "id": goal["id"]}, limited) == {
        "data": {"goal": None}
    }


async def test_viewer_names_the_token_its_scopes_and_its_sites(
    client: Client, db: Database, site: str
) -> None:
    await make_site(db, "sk_other")
    await make_site(db, "sk_third")
    limited = await make_token(db, READ, name="dashboard", sites=["sk_third", "sk_other"])
    query = "{ viewer { name scopes sites { key } } }"
    assert await gql(client, query, token=limited) == {
        "data": {
            "viewer": {
                "name": "dashboard",
                "scopes": ["analytics:read"],
                "sites": [{"key": "sk_other"}, {"key": "sk_third"}],
            }
        }
    }


async def test_viewer_of_an_unlimited_token_sees_every_site(
    client: Client, db: Database, site: str, token: str
) -> None:
    await make_site(db, "sk_other")
    body = await gql(client, "{ viewer { name scopes sites { key } } }", token=token)
    assert body == {
        "data": {
            "viewer": {
                "name": "test",
                "scopes": ["analytics:read", "analytics:write"],
                "sites": [{"key": site}, {"key": "sk_other"}],
            }
        }
    }


# --- the goals connection ---------------------------------------------------


async def _five_goals(client: Client, token: str, site: str) -> list[dict[str, Any]]:
    kinds = ["EVENT", "PAGEVIEW", "EVENT", "CUSTOM", "EVENT"]
    return [
        await create_goal(client, token, site, name=f"G{n}", type=kind, matchValue=f"/g{n}")
        for n, kind in enumerate(kinds)
    ]


async def test_goals_page_through_every_goal_oldest_first(
    client: Client, site: str, token: str
) -> None:
    await _five_goals(client, token, site)
    seen: list[str] = []
    pages: list[dict[str, Any]] = []
    after = None
    while True:
        body = await gql(client, PAGE, {"key": site, "first": 2, "after": after}, token)
        page = body["data"]["site"]["goals"]
        pages.append(page)
        seen.extend(node["name"] for node in page["nodes"])
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == ["G0", "G1", "G2", "G3", "G4"]
    assert [len(page["nodes"]) for page in pages] == [2, 2, 1]
    assert [page["totalCount"] for page in pages] == [5, 5, 5]
    for page in pages:
        assert [edge["node"] for edge in page["edges"]] == page["nodes"]
        assert page["pageInfo"]["endCursor"] == page["edges"][-1]["cursor"]


async def test_goals_cursor_of_any_edge_resumes_after_it(
    client: Client, site: str, token: str
) -> None:
    await _five_goals(client, token, site)
    first = await gql(client, PAGE, {"key": site, "first": 5}, token)
    cursor = first["data"]["site"]["goals"]["edges"][2]["cursor"]
    body = await gql(client, PAGE, {"key": site, "first": 5, "after": cursor}, token)
    assert [n["name"] for n in body["data"]["site"]["goals"]["nodes"]] == ["G3", "G4"]


async def test_goals_filtered_by_type_are_paged_and_counted_by_that_type(
    client: Client, site: str, token: str
) -> None:
    await _five_goals(client, token, site)
    body = await gql(client, PAGE, {"key": site, "first": 2, "type": "EVENT"}, token)
    page = body["data"]["site"]["goals"]
    assert [n["name"] for n in page["nodes"]] == ["G0", "G2"]
    assert page["pageInfo"]["hasNextPage"] is True
    assert page["totalCount"] == 3
    after = page["pageInfo"]["endCursor"]
    body = await gql(
        client, PAGE, {"key": site, "first": 2, "type": "EVENT", "after": after}, token
    )
    page = body["data"]["site"]["goals"]
    assert [n["name"] for n in page["nodes"]] == ["G4"]
    assert page["pageInfo"]["hasNextPage"] is False


async def test_goals_default_to_fifty_and_an_empty_site_has_an_empty_page(
    client: Client, site: str, token: str
) -> None:
    body = await gql(client, PAGE, {"key": site}, token)
    assert body == {
        "data": {
            "site": {
                "goals": {
                    "nodes": [],
                    "edges": [],
                    "pageInfo": {"hasNextPage": False, "endCursor": None},
                    "totalCount": 0,
                }
            }
        }
    }


async def test_goals_first_above_100_is_bad_user_input(
    client: Client, site: str, token: str
) -> None:
    body = await gql(client, PAGE, {"key": site, "first": 101}, token)
    # goals is nullable: the mistake nulls it alone, the site is still answered.
    assert body["data"] == {"site": {"goals": None}}
    [error] = body["errors"]
    assert error["message"] == "first must be between 0 and 100 (first: must be between 0 and 100)"
    assert error["extensions"] == {
        "code": "BAD_USER_INPUT",
        "arguments": {"first": "must be between 0 and 100"},
    }
    assert error["path"] == ["site", "goals"]


async def test_goals_first_100_is_allowed_and_negative_is_refused(
    client: Client, site: str, token: str
) -> None:
    ok = await gql(client, PAGE, {"key": site, "first": 100}, token)
    assert "errors" not in ok
    body = await gql(client, PAGE, {"key": site, "first": -1}, token)
    assert codes(body) == ["BAD_USER_INPUT"]


@pytest.mark.parametrize("cursor", ["nonsense", "", "MjAyNnxub3QtYS11dWlk", "!!!"])
async def test_goals_after_a_cursor_not_from_the_api_is_bad_user_input(
    client: Client, site: str, token: str, cursor: str
) -> None:
    body = await gql(client, PAGE, {"key": site, "after": cursor}, token)
    [error] = body["errors"]
    # The wording of every cursor argument (breakdowns' too): domain/cursors.py.
    assert error["message"] == "after is not valid (after: not a cursor given by this API)"
    assert error["extensions"] == {
        "code": "BAD_USER_INPUT",
        "arguments": {"after": "not a cursor given by this API"},
    }


async def test_goals_of_one_site_never_show_another_sites_goals(
    client: Client, db: Database, site: str, token: str
) -> None:
    other = await make_site(db, "sk_other")
    await create_goal(client, token, site, name="Mine")
    await create_goal(client, token, other, name="Theirs")
    body = await gql(client, PAGE, {"key": site}, token)
    assert [n["name"] for n in body["data"]["site"]["goals"]["nodes"]] == ["Mine"]
    assert body["data"]["site"]["goals"]["totalCount"] == 1

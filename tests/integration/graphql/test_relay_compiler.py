"""relay-compiler (pinned in tests/package.json) compiles docs/clients/relay against
schema.graphql: a pagination fragment (@connection on Site.goals, @refetchable on
Site), a refetchable Goal fragment and a @deleteRecord mutation. The queries it
writes then run on the server as Relay would send them."""

from __future__ import annotations

import json
import re
import shutil
from typing import Any

import pytest

from goalgate.api.graphql.node import site_id
from tests.helpers.graphql import create_goal, gql
from tests.helpers.http import Client
from tests.helpers.node import node_with, package_bin, run_node_now
from tests.helpers.server import ROOT

RELAY = ROOT / "docs" / "clients" / "relay"


@pytest.fixture(scope="module")
def compiled(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Every artifact relay-compiler wrote, by name (``GoalRow_goal.graphql.ts``...)."""
    node = node_with("relay-compiler", "relay-compiler on docs/clients/relay")
    # The docs' layout, so that relay.config.json's "../../../schema.graphql" holds.
    root = tmp_path_factory.mktemp("relay")
    shutil.copytree(RELAY, root / "docs" / "clients" / "relay")
    shutil.copy(ROOT / "schema.graphql", root / "schema.graphql")
    work = root / "docs" / "clients" / "relay"
    done = run_node_now(node, [package_bin("relay-compiler")], cwd=work, limit_s=120)
    assert done.returncode == 0, done.stdout + done.stderr
    generated = work / "__generated__"
    return {path.name: path.read_text() for path in sorted(generated.iterdir())}


def operation_text(artifact: str) -> str:
    """The query text a Relay artifact sends (its params.text)."""
    found = re.search(r'"text": ("(?:[^"\\]|\\.)*")', artifact)
    assert found is not None
    text: str = json.loads(found.group(1))
    return text


async def test_relay_compiles_the_docs_fragments_and_mutation(compiled: dict[str, str]) -> None:
    assert sorted(compiled) == [
        "DeleteGoalMutation.graphql.ts",
        "GoalListPaginationQuery.graphql.ts",
        "GoalList_site.graphql.ts",
        "GoalRowRefetchQuery.graphql.ts",
        "GoalRow_goal.graphql.ts",
        "GoalsPageQuery.graphql.ts",
    ]
    # @connection: Relay reads Site.goals forward with count and cursor, and asks
    # the edges' cursors and Relay's PageInfo itself.
    fragment = compiled["GoalList_site.graphql.ts"]
    assert '"name": "__GoalList_goals_connection"' in fragment
    assert '"direction": "forward"' in fragment
    assert '"handle": "deleteRecord"' in compiled["DeleteGoalMutation.graphql.ts"]
    pagination = operation_text(compiled["GoalListPaginationQuery.graphql.ts"])
    assert pagination.startswith(
        "query GoalListPaginationQuery(\n  $count: Int = 20\n  $cursor: String\n  $id: ID!\n) {\n"
        "  node(id: $id) {\n"
    )
    assert "    pageInfo {\n      endCursor\n      hasNextPage\n    }\n" in pagination
    refetch = operation_text(compiled["GoalRowRefetchQuery.graphql.ts"])
    assert refetch.startswith(
        "query GoalRowRefetchQuery(\n  $period: StatsPeriod = LAST_30_DAYS\n  $id: ID!\n) {\n"
        "  node(id: $id) {\n"
    )


async def test_the_queries_relay_wrote_page_refetch_and_delete_on_the_server(
    compiled: dict[str, str], client: Client, site: str, token: str
) -> None:
    goals = [
        await create_goal(client, token, site, name=name, matchValue=name.lower())
        for name in ("Signup", "Newsletter", "Download")
    ]
    page = await gql(
        client, operation_text(compiled["GoalsPageQuery.graphql.ts"]), {"key": site}, token
    )
    connection = page["data"]["site"]["goals"]
    assert [edge["node"]["name"] for edge in connection["edges"]] == [
        "Signup",
        "Newsletter",
        "Download",
    ]
    assert page["data"]["site"]["id"] == site_id(site)

    # loadNext(1) after the first goal: Relay refetches the Site through node(id:).
    after_first = connection["edges"][0]["cursor"]
    more = await gql(
        client,
        operation_text(compiled["GoalListPaginationQuery.graphql.ts"]),
        {"id": site_id(site), "count": 1, "cursor": after_first},
        token,
    )
    node: dict[str, Any] = more["data"]["node"]
    assert node["__typename"] == "Site"
    assert [edge["node"]["name"] for edge in node["goals"]["edges"]] == ["Newsletter"]
    assert node["goals"]["pageInfo"] == {
        "endCursor": node["goals"]["edges"][0]["cursor"],
        "hasNextPage": True,
    }

    # refetch({period: "LAST_7_DAYS"}) on one goal: node(id:) with the goal's id.
    refetched = await gql(
        client,
        operation_text(compiled["GoalRowRefetchQuery.graphql.ts"]),
        {"id": goals[1]["id"], "period": "LAST_7_DAYS"},
        token,
    )
    assert refetched == {
        "data": {
            "node": {
                "__typename": "Goal",
                "id": goals[1]["id"],
                "name": "Newsletter",
                "stats": {"conversions": 0, "uniqueConversions": 0, "revenue": None},
            }
        }
    }

    deleted = await gql(
        client,
        operation_text(compiled["DeleteGoalMutation.graphql.ts"]),
        {"siteKey": site, "id": goals[2]["id"]},
        token,
    )
    assert deleted == {"data": {"deleteGoal": {"deletedGoalId": goals[2]["id"], "userErrors": []}}}

"""analytics:read guards every field that returns analytics data, wherever it is reached.

Issue #11: the scope was checked on root fields only, so a token that may only
write got analytics through a mutation's payload (``updateGoal { goal { stats
{ conversions visitors timeseries } } }``), and ``goal { site { goals {
totalCount } } }`` answered "Unexpected error.". ``Site.goals``,
``Goal.stats`` and ``GoalConnection.totalCount`` now need analytics:read
themselves and answer FORBIDDEN, on that field alone.
"""

from __future__ import annotations

from typing import Any

import pytest

from goalgate.storage.db import Database
from tests.helpers.data import READ, WRITE, make_token
from tests.helpers.http import EVENTS_URL, Client, bearer

LACKS_READ = "this token lacks the analytics:read scope"
FORBIDDEN = {"code": "FORBIDDEN", "scope": "analytics:read"}

CREATE = """
mutation($site: String!) {
  createGoal(siteKey: $site, input: {name: "Purchase", type: CUSTOM, matchType: EXACT,
                                     matchValue: "purchase", currency: "USD"}) {
    goal { name %s }
    userErrors { code }
  }
}
"""
UPDATE = """
mutation($site: String!, $id: ID!) {
  updateGoal(siteKey: $site, id: $id, input: {name: "Purchase made"}) {
    goal { name %s }
    userErrors { code }
  }
}
"""

# Each analytics selection on a goal, the field that must refuse it, and what
# the goal's selection is then (the refused field null, the rest answered).
GOAL_SELECTIONS = [
    pytest.param(
        "stats { conversions visitors timeseries { conversions revenue { amount } } }",
        ["stats"],
        {"stats": None},
        id="stats with insights",
    ),
    pytest.param(
        "stats { conversions revenue { amount } uniqueConversions conversionRate }",
        ["stats"],
        {"stats": None},
        id="stats",
    ),
    pytest.param(
        "site { key goals { totalCount } }",
        ["site", "goals"],
        {"site": {"key": "sk_abc123def456", "goals": None}},
        id="site goals totalCount",
    ),
    pytest.param(
        "site { goals { nodes { name stats { conversions } } } }",
        ["site", "goals"],
        {"site": {"goals": None}},
        id="site goals nodes stats",
    ),
]


async def post(client: Client, token: str, query: str, variables: dict[str, Any]) -> Any:
    response = await client.post(
        "/graphql", json={"query": query, "variables": variables}, headers=bearer(token)
    )
    assert response.status_code == 200
    return response.json()


def refusals(body: dict[str, Any]) -> list[tuple[list[object], str, dict[str, Any]]]:
    return [(e["path"], e["message"], e["extensions"]) for e in body.get("errors", [])]


@pytest.fixture
async def write_only(db: Database, site: str) -> str:
    return await make_token(db, WRITE, name="writer")


@pytest.fixture
async def goal_id(client: Client, site: str, token: str) -> str:
    """A goal with one conversion worth 49.90 USD: analytics a writer must not see."""
    body = await post(client, token, CREATE % "", {"site": site})
    assert body["data"]["createGoal"]["userErrors"] == []
    event = {
        "site": site,
        "type": "goal",
        "name": "purchase",
        "revenue": {"amount": "49.90", "currency": "USD"},
    }
    assert (await client.post(EVENTS_URL, json=event)).status_code == 202
    listing = await client.get(f"/api/v1/analytics/sites/{site}/goals", headers=bearer(token))
    found: str = listing.json()["data"][0]["id"]
    return found


@pytest.mark.parametrize(("selection", "refused", "answered"), GOAL_SELECTIONS)
async def test_update_goal_payload_refuses_analytics_to_a_write_only_token(
    client: Client,
    site: str,
    goal_id: str,
    write_only: str,
    selection: str,
    refused: list[str],
    answered: dict[str, Any],
) -> None:
    body = await post(client, write_only, UPDATE % selection, {"site": site, "id": goal_id})
    # The mutation itself is allowed and done; only the analytics are refused.
    assert body["data"] == {
        "updateGoal": {"goal": {"name": "Purchase made", **answered}, "userErrors": []}
    }
    assert refusals(body) == [(["updateGoal", "goal", *refused], LACKS_READ, FORBIDDEN)]


@pytest.mark.parametrize(("selection", "refused", "answered"), GOAL_SELECTIONS)
async def test_create_goal_payload_refuses_analytics_to_a_write_only_token(
    client: Client,
    site: str,
    write_only: str,
    selection: str,
    refused: list[str],
    answered: dict[str, Any],
) -> None:
    body = await post(client, write_only, CREATE % selection, {"site": site})
    assert body["data"] == {
        "createGoal": {"goal": {"name": "Purchase", **answered}, "userErrors": []}
    }
    assert refusals(body) == [(["createGoal", "goal", *refused], LACKS_READ, FORBIDDEN)]


ROOT_FIELDS = [
    pytest.param(
        "query($site: String!) { site(key: $site) { key } }", {"site": None}, ["site"], id="site"
    ),
    pytest.param(
        "query($site: String!, $id: ID!) { goal(siteKey: $site, id: $id) { name } }",
        {"goal": None},
        ["goal"],
        id="goal",
    ),
    pytest.param(
        "query($site: String!) { previewGoal(siteKey: $site, input: {type: CUSTOM, "
        'matchType: EXACT, matchValue: "purchase"}) { stats { conversions } } }',
        {"previewGoal": None},
        ["previewGoal"],
        id="previewGoal",
    ),
    pytest.param("{ viewer { name } }", None, ["viewer"], id="viewer"),
]


@pytest.mark.parametrize(("query", "data", "path"), ROOT_FIELDS)
async def test_every_root_query_refuses_a_write_only_token(
    client: Client,
    site: str,
    goal_id: str,
    write_only: str,
    query: str,
    data: object,
    path: list[str],
) -> None:
    body = await post(client, write_only, query, {"site": site, "id": goal_id})
    assert body["data"] == data
    assert refusals(body) == [(path, LACKS_READ, FORBIDDEN)]


async def test_a_token_with_both_scopes_gets_the_analytics_in_the_payload(
    client: Client, db: Database, site: str, goal_id: str
) -> None:
    both = await make_token(db, READ, WRITE, name="both")
    selection = (
        "stats { conversions visitors revenue { amount } } "
        "site { key goals { totalCount nodes { name stats { conversions } } } }"
    )
    body = await post(client, both, UPDATE % selection, {"site": site, "id": goal_id})
    assert body == {
        "data": {
            "updateGoal": {
                "goal": {
                    "name": "Purchase made",
                    "stats": {"conversions": 1, "visitors": 1, "revenue": {"amount": "49.90"}},
                    "site": {
                        "key": site,
                        "goals": {
                            "totalCount": 1,
                            "nodes": [{"name": "Purchase made", "stats": {"conversions": 1}}],
                        },
                    },
                },
                "userErrors": [],
            }
        }
    }

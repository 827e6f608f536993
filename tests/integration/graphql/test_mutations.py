"""createGoal, updateGoal and deleteGoal, with userErrors from the same rules as REST."""

from __future__ import annotations

from typing import Any

import pytest

from goalgate.storage.db import Database
from tests.helpers.data import WRITE, make_site, make_token
from tests.helpers.graphql import CREATE, GOAL_FIELDS, create_goal, goal_input, gql
from tests.helpers.http import Client, bearer

UPDATE = f"""
mutation Update($site: String!, $id: ID!, $input: UpdateGoalInput!) {{
  updateGoal(siteKey: $site, id: $id, input: $input) {{
    goal {{ {GOAL_FIELDS} }}
    userErrors {{ code field message }}
  }}
}}
"""

DELETE = """
mutation Delete($site: String!, $id: ID!) {
  deleteGoal(siteKey: $site, id: $id) { deletedGoalId userErrors { code field message } }
}
"""

MISSING_ID = "550e8400-e29b-41d4-a716-446655440000"


async def rest_goals(client: Client, site: str, token: str) -> list[dict[str, Any]]:
    response = await client.get(f"/api/v1/analytics/sites/{site}/goals", headers=bearer(token))
    assert response.status_code == 200
    goals: list[dict[str, Any]] = response.json()["data"]
    return goals


async def test_create_goal_returns_the_stored_goal(client: Client, site: str, token: str) -> None:
    body = await gql(
        client,
        CREATE,
        {
            "site": site,
            "input": {
                "name": "  Purchase ",
                "type": "CUSTOM",
                "matchType": "EXACT",
                "matchValue": "purchase",
                "currency": "usd",
            },
        },
        token,
    )
    payload = body["data"]["createGoal"]
    assert payload["userErrors"] == []
    goal = payload["goal"]
    assert {k: goal[k] for k in ("name", "type", "matchType", "matchValue", "currency")} == {
        "name": "Purchase",
        "type": "CUSTOM",
        "matchType": "EXACT",
        "matchValue": "purchase",
        "currency": "USD",
    }
    assert await rest_goals(client, site, token) == [
        {
            "id": goal["id"],
            "name": "Purchase",
            "type": "custom",
            "match_type": "exact",
            "match_value": "purchase",
            "currency": "USD",
        }
    ]


async def test_create_goal_without_currency_tracks_no_revenue(
    client: Client, site: str, token: str
) -> None:
    goal = await create_goal(client, token, site, type="PAGEVIEW", matchValue="/thank-you")
    assert goal["currency"] is None


async def test_the_rules_faults_are_invalid_user_errors_naming_each_input_field(
    client: Client, site: str, token: str
) -> None:
    """GraphQL's mapping of the goal rules (their table: tests/unit/domain/test_goals.py).

    A GraphQL client cannot send an unknown type or match type: GraphQL's own
    validation refuses an unknown enum value first.
    """
    overrides = {"name": " ", "matchValue": "x" * 501, "currency": "XAU"}
    body = await gql(client, CREATE, {"site": site, "input": goal_input(**overrides)}, token)
    assert body == {
        "data": {
            "createGoal": {
                "goal": None,
                "userErrors": [
                    {
                        "code": "INVALID",
                        "field": ["input", "name"],
                        "message": "must be 1 to 120 characters after trimming spaces",
                    },
                    {
                        "code": "INVALID",
                        "field": ["input", "matchValue"],
                        "message": "must be 1 to 500 characters",
                    },
                    {
                        "code": "INVALID",
                        "field": ["input", "currency"],
                        "message": "must be an active ISO 4217 code",
                    },
                ],
            }
        }
    }
    assert await rest_goals(client, site, token) == []


async def test_a_taken_name_is_taken_regardless_of_case(
    client: Client, db: Database, site: str, token: str
) -> None:
    await create_goal(client, token, site, name="Signup")
    body = await gql(client, CREATE, {"site": site, "input": goal_input(name="SIGNUP")}, token)
    assert body["data"]["createGoal"] == {
        "goal": None,
        "userErrors": [
            {
                "code": "TAKEN",
                "field": ["input", "name"],
                "message": "a goal named 'Signup' exists already on this site",
            }
        ],
    }
    other = await make_site(db, "sk_other")
    await create_goal(client, token, other, name="Signup")


async def test_create_on_an_unknown_or_unseen_site_is_not_found(
    client: Client, db: Database, site: str
) -> None:
    await make_site(db, "sk_other")
    limited = await make_token(db, WRITE, sites=["sk_other"])
    expected = {
        "goal": None,
        "userErrors": [{"code": "NOT_FOUND", "field": None, "message": "site not found"}],
    }
    for key in (site, "sk_missing"):
        body = await gql(client, CREATE, {"site": key, "input": goal_input()}, limited)
        assert body["data"]["createGoal"] == expected


async def test_update_changes_only_the_fields_given(client: Client, site: str, token: str) -> None:
    goal = await create_goal(
        client, token, site, name="Purchase", type="CUSTOM", matchValue="purchase", currency="USD"
    )
    body = await gql(
        client,
        UPDATE,
        {
            "site": site,
            "id": goal["id"],
            "input": {"name": "Completed Purchase", "currency": "eur"},
        },
        token,
    )
    payload = body["data"]["updateGoal"]
    assert payload["userErrors"] == []
    updated = payload["goal"]
    assert updated == {
        **goal,
        "name": "Completed Purchase",
        "currency": "EUR",
        "updatedAt": updated["updatedAt"],
    }
    assert updated["updatedAt"] > goal["updatedAt"]


async def test_update_with_currency_null_stops_revenue_but_absent_keeps_it(
    client: Client, site: str, token: str
) -> None:
    goal = await create_goal(client, token, site, currency="USD")
    kept = await gql(
        client, UPDATE, {"site": site, "id": goal["id"], "input": {"name": "Renamed"}}, token
    )
    assert kept["data"]["updateGoal"]["goal"]["currency"] == "USD"
    dropped = await gql(
        client, UPDATE, {"site": site, "id": goal["id"], "input": {"currency": None}}, token
    )
    assert dropped["data"]["updateGoal"]["goal"]["currency"] is None
    assert dropped["data"]["updateGoal"]["goal"]["name"] == "Renamed"


async def test_update_with_empty_input_changes_nothing_but_the_timestamp(
    client: Client, site: str, token: str
) -> None:
    goal = await create_goal(client, token, site)
    body = await gql(client, UPDATE, {"site": site, "id": goal["id"], "input": {}}, token)
    updated = body["data"]["updateGoal"]["goal"]
    assert {k: v for k, v in updated.items() if k != "updatedAt"} == {
        k: v for k, v in goal.items() if k != "updatedAt"
    }


async def test_update_validates_the_merged_goal(client: Client, site: str, token: str) -> None:
    goal = await create_goal(client, token, site, matchValue="sign(up")
    body = await gql(
        client, UPDATE, {"site": site, "id": goal["id"], "input": {"matchType": "REGEX"}}, token
    )
    assert body["data"]["updateGoal"] == {
        "goal": None,
        "userErrors": [
            {
                "code": "INVALID",
                "field": ["input", "matchValue"],
                "message": "not a valid RE2 regular expression: missing ): sign(up",
            }
        ],
    }


async def test_update_to_a_taken_name_is_taken(client: Client, site: str, token: str) -> None:
    await create_goal(client, token, site, name="A", matchValue="a")
    b = await create_goal(client, token, site, name="B", matchValue="b")
    body = await gql(client, UPDATE, {"site": site, "id": b["id"], "input": {"name": "a"}}, token)
    [error] = body["data"]["updateGoal"]["userErrors"]
    assert error["code"] == "TAKEN"
    assert error["field"] == ["input", "name"]


@pytest.mark.parametrize("field", ["name", "type", "matchType", "matchValue"])
async def test_update_null_for_a_required_field_is_invalid(
    client: Client, site: str, token: str, field: str
) -> None:
    goal = await create_goal(client, token, site)
    body = await gql(
        client, UPDATE, {"site": site, "id": goal["id"], "input": {field: None}}, token
    )
    assert body["data"]["updateGoal"] == {
        "goal": None,
        "userErrors": [
            {"code": "INVALID", "field": ["input", field], "message": "must not be null"}
        ],
    }


@pytest.mark.parametrize("goal_id", ["not-a-uuid", MISSING_ID])
async def test_update_and_delete_of_an_unknown_goal_are_not_found(
    client: Client, site: str, token: str, goal_id: str
) -> None:
    not_found = [{"code": "NOT_FOUND", "field": None, "message": "goal not found"}]
    body = await gql(client, UPDATE, {"site": site, "id": goal_id, "input": {"name": "x"}}, token)
    assert body["data"]["updateGoal"] == {"goal": None, "userErrors": not_found}
    body = await gql(client, DELETE, {"site": site, "id": goal_id}, token)
    assert body["data"]["deleteGoal"] == {"deletedGoalId": None, "userErrors": not_found}


async def test_a_goal_of_another_site_cannot_be_updated_or_deleted_through_this_one(
    client: Client, db: Database, site: str, token: str
) -> None:
    other = await make_site(db, "sk_other")
    goal = await create_goal(client, token, other)
    body = await gql(client, DELETE, {"site": site, "id": goal["id"]}, token)
    assert body["data"]["deleteGoal"]["userErrors"][0]["code"] == "NOT_FOUND"
    assert len(await rest_goals(client, other, token)) == 1


async def test_delete_returns_the_id_and_the_goal_is_gone(
    client: Client, site: str, token: str
) -> None:
    goal = await create_goal(client, token, site)
    body = await gql(client, DELETE, {"site": site, "id": goal["id"]}, token)
    assert body == {"data": {"deleteGoal": {"deletedGoalId": goal["id"], "userErrors": []}}}
    assert await rest_goals(client, site, token) == []
    again = await gql(client, DELETE, {"site": site, "id": goal["id"]}, token)
    assert again["data"]["deleteGoal"]["userErrors"][0]["code"] == "NOT_FOUND"


async def test_payload_goal_resolves_its_site_and_stats(
    client: Client, site: str, token: str
) -> None:
    query = """
    mutation($site: String!, $input: CreateGoalInput!) {
      createGoal(siteKey: $site, input: $input) {
        goal { name site { key } stats { conversions revenue { amount currency } } }
      }
    }
    """
    body = await gql(client, query, {"site": site, "input": goal_input(currency="USD")}, token)
    assert body == {
        "data": {
            "createGoal": {
                "goal": {
                    "name": "Signup",
                    "site": {"key": site},
                    "stats": {"conversions": 0, "revenue": {"amount": "0.00", "currency": "USD"}},
                }
            }
        }
    }


async def test_reads_after_each_mutation_in_one_request_see_its_write(
    client: Client, site: str, token: str
) -> None:
    """Mutations run in order; each payload reads the database as it is after that write."""
    query = """
    mutation($site: String!) {
      a: createGoal(siteKey: $site, input: {name: "A", type: EVENT, matchType: EXACT,
                    matchValue: "a"}) { goal { site { goals { totalCount } } } }
      b: createGoal(siteKey: $site, input: {name: "B", type: EVENT, matchType: EXACT,
                    matchValue: "b"}) { goal { site { goals { totalCount nodes { name } } } } }
    }
    """
    body = await gql(client, query, {"site": site}, token)
    assert body == {
        "data": {
            "a": {"goal": {"site": {"goals": {"totalCount": 1}}}},
            "b": {
                "goal": {
                    "site": {"goals": {"totalCount": 2, "nodes": [{"name": "A"}, {"name": "B"}]}}
                }
            },
        }
    }

"""Helpers for the GraphQL tests: post an operation, create goals through the API."""

from __future__ import annotations

from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.factories import bearer

Client = AsyncTestClient[Litestar]

GOAL_FIELDS = "id name type matchType matchValue currency createdAt updatedAt"

CREATE = f"""
mutation Create($site: String!, $input: CreateGoalInput!) {{
  createGoal(siteKey: $site, input: $input) {{
    goal {{ {GOAL_FIELDS} }}
    userErrors {{ code field message }}
  }}
}}
"""


async def gql(
    client: Client,
    query: str,
    variables: dict[str, Any] | None = None,
    token: str | None = None,
) -> dict[str, Any]:
    """POST one operation; GraphQL answers 200 whether or not it has errors."""
    response = await client.post(
        "/graphql",
        json={"query": query, "variables": variables or {}},
        headers=bearer(token) if token else {},
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def goal_input(**overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "name": "Signup",
        "type": "EVENT",
        "matchType": "EXACT",
        "matchValue": "signup",
    }
    fields.update(overrides)
    return fields


async def create_goal(client: Client, token: str, site: str, **overrides: Any) -> dict[str, Any]:
    body = await gql(client, CREATE, {"site": site, "input": goal_input(**overrides)}, token)
    payload = body["data"]["createGoal"]
    assert payload["userErrors"] == [], payload
    goal: dict[str, Any] = payload["goal"]
    return goal


def codes(body: dict[str, Any]) -> list[str]:
    """The extensions.code of each top-level error."""
    return [error.get("extensions", {}).get("code") for error in body.get("errors", [])]

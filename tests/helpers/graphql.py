"""GraphQL through the test client: post an operation, create goals, count SQL statements."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from litestar import Litestar
from sqlalchemy import event

from tests.helpers.http import Client, bearer

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


@contextmanager
def counting_statements(app: Litestar) -> Iterator[list[str]]:
    """Every SQL statement the app sends while the block runs: through its
    engine (sessions), and through its reader (hot reads)."""
    db = app.state.runtime.db
    engine, reader = db.engine.sync_engine, db.reader
    seen: list[str] = []

    def counted(sql: str) -> None:
        # On their own schedule, not per request: the rate limiter's background
        # sync (its transaction), and the principal cache's re-read (once a
        # second per token). A request's reads open no transaction.
        # SQLAlchemy's first connection also asks the server about itself
        # (version, schema, settings): those name no table of ours.
        background = ("rate_counters", "FROM api_tokens", "BEGIN")
        ours = ("goals", "events", "event_keys", "sites")
        if any(table in sql for table in ours) and not any(m in sql for m in background):
            seen.append(sql)

    def record(*args: Any) -> None:
        counted(args[2])

    def spy(read: Any) -> Any:
        async def reading(sql: str, params: Any = None, **where: Any) -> Any:
            counted(sql)
            return await read(sql, params, **where)

        return reading

    real_rows, real_heavy = reader.rows, reader.heavy_rows
    event.listen(engine, "before_cursor_execute", record)
    # The reader bypasses the engine (its own connections).
    reader.rows, reader.heavy_rows = spy(real_rows), spy(real_heavy)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)
        reader.rows, reader.heavy_rows = real_rows, real_heavy

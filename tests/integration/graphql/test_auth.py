"""Bearer tokens and scopes on /graphql: UNAUTHENTICATED, FORBIDDEN, introspection without."""

from __future__ import annotations

import pytest

from goalgate.services import tokens as token_service
from goalgate.storage.db import Database
from tests.helpers.data import READ, WRITE, make_token
from tests.helpers.graphql import CREATE, codes, goal_input
from tests.helpers.http import Client

# Each root field, with what the whole response's data is when it is refused.
ROOT_FIELDS = [
    ('{ site(key: "sk_abc123def456") { key } }', {"site": None}),
    (
        '{ goal(siteKey: "sk_abc123def456", id: "550e8400-e29b-41d4-a716-446655440000") { id } }',
        {"goal": None},
    ),
    ("{ viewer { name } }", None),
]

DELETE = """
mutation { deleteGoal(siteKey: "sk_abc123def456", id: "550e8400-e29b-41d4-a716-446655440000")
  { deletedGoalId } }
"""


async def post(
    client: Client, query: str, headers: dict[str, str], variables: object = None
) -> dict:  # type: ignore[type-arg]
    response = await client.post(
        "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
    )
    assert response.status_code == 200
    return response.json()  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        ({}, "an Authorization: Bearer token is required"),
        (
            {"Authorization": "Basic dXNlcjpwYXNz"},
            "the Authorization header must be 'Bearer <token>'",
        ),
        ({"Authorization": "Bearer nope"}, "the token is invalid or revoked"),
        (
            {"Authorization": "Bearer gg_" + "a" * 43},
            "the token is invalid or revoked",
        ),
    ],
)
@pytest.mark.parametrize(("query", "data"), ROOT_FIELDS)
async def test_every_root_field_without_a_valid_token_is_unauthenticated(
    client: Client, site: str, headers: dict[str, str], message: str, query: str, data: object
) -> None:
    body = await post(client, query, headers)
    assert body["data"] == data
    [error] = body["errors"]
    assert error["message"] == message
    assert error["extensions"] == {"code": "UNAUTHENTICATED"}


async def test_mutations_without_a_token_are_unauthenticated(client: Client, site: str) -> None:
    body = await post(client, CREATE, {}, {"site": site, "input": goal_input()})
    assert body["data"] is None
    assert codes(body) == ["UNAUTHENTICATED"]
    assert codes(await post(client, DELETE, {})) == ["UNAUTHENTICATED"]


async def test_a_revoked_token_is_unauthenticated(client: Client, db: Database, site: str) -> None:
    secret = await make_token(db)
    [token] = await token_service.list_tokens(db)
    assert token.id is not None
    await token_service.revoke_token(db, token.id)
    body = await post(client, "{ viewer { name } }", {"Authorization": f"Bearer {secret}"})
    assert codes(body) == ["UNAUTHENTICATED"]


async def test_one_error_per_refused_field_and_one_authentication(
    client: Client, site: str
) -> None:
    body = await post(client, '{ a: site(key: "x") { key } b: site(key: "y") { key } }', {})
    assert body["data"] == {"a": None, "b": None}
    assert codes(body) == ["UNAUTHENTICATED", "UNAUTHENTICATED"]


async def test_queries_need_the_read_scope(client: Client, db: Database, site: str) -> None:
    write_only = await make_token(db, WRITE)
    body = await post(client, "{ viewer { name } }", {"Authorization": f"Bearer {write_only}"})
    assert body["data"] is None
    [error] = body["errors"]
    assert error["message"] == "this token lacks the analytics:read scope"
    assert error["extensions"] == {"code": "FORBIDDEN", "scope": "analytics:read"}


async def test_mutations_need_the_write_scope(client: Client, db: Database, site: str) -> None:
    read_only = await make_token(db, READ)
    body = await post(
        client,
        CREATE,
        {"Authorization": f"Bearer {read_only}"},
        {"site": site, "input": goal_input()},
    )
    assert body["data"] is None
    [error] = body["errors"]
    assert error["message"] == "this token lacks the analytics:write scope"
    assert error["extensions"] == {"code": "FORBIDDEN", "scope": "analytics:write"}


async def test_a_read_only_token_reads(client: Client, db: Database, site: str) -> None:
    read_only = await make_token(db, READ, name="reader")
    body = await post(client, "{ viewer { name } }", {"Authorization": f"Bearer {read_only}"})
    assert body == {"data": {"viewer": {"name": "reader"}}}


async def test_introspection_runs_without_a_token(client: Client) -> None:
    body = await post(
        client, '{ __schema { queryType { name } } __type(name: "Goal") { name } }', {}
    )
    assert body == {
        "data": {"__schema": {"queryType": {"name": "Query"}}, "__type": {"name": "Goal"}}
    }


async def test_typename_alone_runs_without_a_token(client: Client) -> None:
    assert await post(client, "{ __typename }", {}) == {"data": {"__typename": "Query"}}

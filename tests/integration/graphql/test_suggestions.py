"""With introspection off, no error hands out schema names ("Did you mean 'site'?")."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from goalgate.app import create_app
from goalgate.settings import Settings
from tests.helpers.graphql import gql
from tests.helpers.http import Client

STATS = '{ goal(siteKey: "s", id: "g") { stats(period: %s) { conversions } } }'
STATS_VARIABLE = (
    'query ($p: StatsPeriod) { goal(siteKey: "s", id: "g") { stats(period: $p) { conversions } } }'
)
CREATE = (
    'mutation ($input: CreateGoalInput!) { createGoal(siteKey: "s", input: $input) '
    "{ goal { id } } }"
)
INPUT = {"nam": "Signup", "type": "EVENT", "matchType": "EXACT", "matchValue": "signup"}

# (query, variables, the message with introspection on, the message with it off)
MISTAKES: list[tuple[str, dict[str, Any] | None, str, str]] = [
    (
        '{ sit(key: "s") { key } }',
        None,
        "Cannot query field 'sit' on type 'Query'. Did you mean 'site'?",
        "Cannot query field 'sit' on type 'Query'.",
    ),
    (
        '{ site(kee: "s", key: "s") { key } }',
        None,
        "Unknown argument 'kee' on field 'Query.site'. Did you mean 'key'?",
        "Unknown argument 'kee' on field 'Query.site'.",
    ),
    (
        STATS % "LAST_7_DAY",
        None,
        "Value 'LAST_7_DAY' does not exist in 'StatsPeriod' enum. "
        "Did you mean the enum value 'LAST_7_DAYS' or 'LAST_30_DAYS'?",
        "Value 'LAST_7_DAY' does not exist in 'StatsPeriod' enum.",
    ),
    (
        "query ($k: Strin!) { site(key: $k) { key } }",
        None,
        "Unknown type 'Strin'. Did you mean 'String'?",
        "Unknown type 'Strin'.",
    ),
    (
        STATS_VARIABLE,
        {"p": "LAST_7_DAY"},
        "Variable '$p' has invalid value: Value 'LAST_7_DAY' does not exist in 'StatsPeriod' "
        "enum. Did you mean the enum value 'LAST_7_DAYS' or 'LAST_30_DAYS'?",
        "Variable '$p' has invalid value: Value 'LAST_7_DAY' does not exist in 'StatsPeriod' enum.",
    ),
    (
        CREATE,
        {"input": INPUT},
        "Variable '$input' has invalid value: Expected value of type 'CreateGoalInput' not to "
        "include unknown field 'nam'. Did you mean 'name'? Found: {'nam': 'Signup', "
        "'type': 'EVENT', 'matchType': 'EXACT', 'matchValue': 'signup'}.",
        "Variable '$input' has invalid value: Expected value of type 'CreateGoalInput' not to "
        "include unknown field 'nam', found: {'nam': 'Signup', 'type': 'EVENT', "
        "'matchType': 'EXACT', 'matchValue': 'signup'}.",
    ),
]


@pytest.fixture
async def closed_client(settings: Settings) -> AsyncIterator[Client]:
    closed = settings.model_copy(update={"graphql_introspection": False})
    async with AsyncTestClient(app=create_app(closed)) as test_client:
        yield test_client


def messages(body: dict[str, Any]) -> list[str]:
    assert "data" not in body, body  # request errors, every one
    return [error["message"] for error in body["errors"]]


@pytest.mark.parametrize(("query", "variables", "open_message", "closed_message"), MISTAKES)
async def test_errors_suggest_names_only_while_introspection_is_on(
    client: Client,
    closed_client: Client,
    query: str,
    variables: dict[str, Any] | None,
    open_message: str,
    closed_message: str,
) -> None:
    assert open_message in messages(await gql(client, query, variables))
    closed = messages(await gql(closed_client, query, variables))
    assert closed_message in closed
    assert [message for message in closed if "Did you mean" in message] == []


async def test_an_unknown_input_field_is_not_suggested_either(
    client: Client, closed_client: Client
) -> None:
    query = '{ previewGoal(siteKey: "s", input: {typ: EVENT}) { userErrors { code } } }'
    required = [
        f"Expected value of type 'GoalMatchInput' to include required field '{name}', "
        "found: { typ: EVENT }."
        for name in ("type", "matchType", "matchValue")
    ]
    assert messages(await gql(client, query)) == [
        *required,
        "Expected value of type 'GoalMatchInput' not to include unknown field 'typ'. "
        "Did you mean 'type'? Found: { typ: EVENT }.",
    ]
    assert messages(await gql(closed_client, query)) == [
        *required,
        "Expected value of type 'GoalMatchInput' not to include unknown field 'typ', "
        "found: { typ: EVENT }.",
    ]

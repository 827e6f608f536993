"""The /graphql route: GET and POST, GraphiQL, batching, limits, masking, introspection."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from goalgate.app import create_app
from goalgate.services import sites as site_service
from goalgate.settings import Settings
from tests.helpers.graphql import CREATE, codes, goal_input, gql
from tests.helpers.http import Client, bearer


async def test_get_runs_a_query(client: Client, site: str, token: str) -> None:
    response = await client.get(
        "/graphql", params={"query": "{ viewer { name } }"}, headers=bearer(token)
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    assert response.json() == {"data": {"viewer": {"name": "test"}}}


async def test_get_refuses_a_mutation(client: Client, site: str, token: str) -> None:
    query = 'mutation { deleteGoal(siteKey: "x", id: "y") { deletedGoalId } }'
    response = await client.get("/graphql", params={"query": query}, headers=bearer(token))
    # GraphQL over HTTP: a mutation over GET is a 405 naming the method that works.
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    assert response.json() == {
        "errors": [
            {
                "message": "a mutation needs POST: GET only runs queries",
                "extensions": {"code": "METHOD_NOT_ALLOWED"},
            }
        ]
    }


async def test_a_browser_gets_graphiql(client: Client) -> None:
    response = await client.get("/graphql", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "graphiql" in response.text.lower()


async def test_batched_operations_are_refused(client: Client, site: str, token: str) -> None:
    response = await client.post(
        "/graphql",
        json=[{"query": "{ viewer { name } }"}, {"query": "{ viewer { name } }"}],
        headers=bearer(token),
    )
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    assert response.json() == {
        "errors": [
            {
                "message": "batching is not supported: send one operation per request",
                "extensions": {"code": "BAD_REQUEST"},
            }
        ]
    }


async def test_graphql_is_not_in_the_openapi_document(client: Client) -> None:
    response = await client.get("/schema/openapi.json")
    assert response.status_code == 200
    assert not [path for path in response.json()["paths"] if "graphql" in path]


async def test_a_syntax_error_stays_readable(client: Client) -> None:
    body = await gql(client, "{ viewer { name }")
    assert "data" not in body  # a request error: nothing ran
    assert body["errors"][0]["message"] == "Syntax Error: Expected Name, found <EOF>."


async def test_an_unknown_field_stays_readable(client: Client) -> None:
    body = await gql(client, "{ viewer { colour } }")
    assert body["errors"][0]["message"] == "Cannot query field 'colour' on type 'Viewer'."


async def test_an_unexpected_exception_is_masked(
    client: Client, site: str, token: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("SELECT secret FROM internals")

    monkeypatch.setattr(site_service, "visible_site", broken)
    response = await client.post(
        "/graphql",
        json={"query": '{ site(key: "sk_abc123def456") { key } }'},
        headers=bearer(token),
    )
    assert response.status_code == 200
    assert "SELECT" not in response.text
    assert "Traceback" not in response.text
    assert response.json() == {
        "data": {"site": None},
        "errors": [
            {
                "message": "Unexpected error.",
                "locations": [{"line": 1, "column": 3}],
                "path": ["site"],
                "extensions": {"code": "INTERNAL_ERROR"},
            }
        ],
    }


async def test_a_mutation_failing_unexpectedly_is_masked_and_writes_nothing(
    client: Client, site: str, token: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    # The goal is flushed, then reading the site back fails: the transaction rolls back.
    monkeypatch.setattr(site_service, "visible_site", broken)
    body = await gql(client, CREATE, {"site": site, "input": goal_input()}, token)
    assert body["data"] is None
    assert [e["message"] for e in body["errors"]] == ["Unexpected error."]


# --- limits -------------------------------------------------------------------


def nested(levels: int) -> str:
    """A query whose deepest field sits ``levels`` selection sets below site.

    The depth limiter counts site as 0, so ``nested(10)`` is the deepest
    query allowed by the default limit of 10. Pages of one goal keep it under
    the cost limit too (at the default 50 goals a level, three levels of
    goals would cost 50 x 50 x 50 goals and be refused for that).
    """
    chain = ["goals(first: 1)", "nodes", "site"]
    inner = "key" if levels % 3 == 1 else ("totalCount" if levels % 3 == 2 else "name")
    for level in range(levels - 1, 0, -1):
        inner = f"{chain[(level - 1) % 3]} {{ {inner} }}"
    return f'{{ site(key: "sk_abc123def456") {{ {inner} }} }}'


async def test_a_query_deeper_than_the_limit_is_refused(
    client: Client, site: str, token: str
) -> None:
    assert nested(4) == (
        '{ site(key: "sk_abc123def456") { goals(first: 1) { nodes { site { key } } } } }'
    )
    assert "errors" not in await gql(client, nested(10), token=token)
    body = await gql(client, nested(11), token=token)
    assert "data" not in body
    [error] = body["errors"]
    assert error["message"] == "'anonymous' exceeds maximum operation depth of 10"


async def test_more_aliases_than_the_limit_are_refused(
    client: Client, site: str, token: str
) -> None:
    def aliased(n: int) -> str:
        return (
            "{ "
            + " ".join(f'a{i}: site(key: "sk_abc123def456") {{ key }}' for i in range(n))
            + " }"
        )

    assert "errors" not in await gql(client, aliased(15), token=token)
    body = await gql(client, aliased(16), token=token)
    assert body == {
        "errors": [
            {
                "message": "16 aliases found. Allowed: 15",
                "extensions": {"code": "GRAPHQL_VALIDATION_FAILED"},
            }
        ]
    }


async def test_a_document_with_too_many_tokens_is_refused(
    client: Client, site: str, token: str
) -> None:
    query = "{ " + "__typename " * 2000 + "}"
    body = await gql(client, query, token=token)
    assert "data" not in body
    [error] = body["errors"]
    assert (
        error["message"]
        == "Syntax Error: Document contains more than 2000 tokens. Parsing aborted."
    )


@pytest.fixture
async def strict_client(settings: Settings) -> AsyncIterator[Client]:
    """An app with introspection off and small limits, set the way an operator would."""
    strict = settings.model_copy(
        update={
            "graphql_introspection": False,
            "graphql_max_depth": 3,
            "graphql_max_aliases": 1,
            "graphql_max_tokens": 60,
        }
    )
    async with AsyncTestClient(app=create_app(strict)) as test_client:
        yield test_client


async def test_introspection_can_be_switched_off(strict_client: Client) -> None:
    body = await gql(strict_client, "{ __schema { queryType { name } } }")
    assert "data" not in body
    assert body["errors"][0]["message"] == (
        "GraphQL introspection has been disabled, but the requested query contained the field "
        "'__schema'."
    )


async def test_limits_come_from_the_settings(strict_client: Client) -> None:
    deep = await gql(strict_client, nested(4))
    assert deep["errors"][0]["message"] == "'anonymous' exceeds maximum operation depth of 3"
    aliases = await gql(strict_client, '{ a: site(key: "k") { key } b: site(key: "k") { key } }')
    assert aliases["errors"][0]["message"] == "2 aliases found. Allowed: 1"
    tokens = await gql(strict_client, "{ " + "__typename " * 60 + "}")
    assert tokens["errors"][0]["message"] == (
        "Syntax Error: Document contains more than 60 tokens. Parsing aborted."
    )


async def test_limits_hold_on_the_second_request_too(strict_client: Client) -> None:
    """The parser and validation caches must not let a refused document through."""
    query = '{ a: site(key: "k") { key } b: site(key: "k") { key } }'
    first = await gql(strict_client, query)
    second = await gql(strict_client, query)
    assert first == second
    assert codes(second) == ["GRAPHQL_VALIDATION_FAILED"]


async def test_app_builds_without_warnings_other_than_litestars(settings: Settings) -> None:
    # filterwarnings=error would fail this test on any warning not filtered in pyproject.
    assert isinstance(create_app(settings), Litestar)


async def test_a_repeated_document_is_parsed_and_validated_once(
    client: Client, site: str, token: str
) -> None:
    from goalgate.api.graphql.persisted import parse_cache
    from goalgate.api.graphql.schema import CACHE_SIZE, validated

    query = '{ cached: site(key: "sk_abc123def456") { key } }'
    await gql(client, query, token=token)
    parsed = parse_cache(CACHE_SIZE).cache_info().hits
    validations = validated.cache_info().hits
    for _ in range(3):
        await gql(client, query, token=token)
    assert parse_cache(CACHE_SIZE).cache_info().hits == parsed + 3
    assert validated.cache_info().hits == validations + 3

"""GraphQL over HTTP on /graphql: media types, status codes and the errors body of every refusal."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from goalgate.app import create_app
from goalgate.settings import Settings
from tests.helpers.http import Client, bearer

JSON = "application/json; charset=utf-8"
GRAPHQL_RESPONSE = "application/graphql-response+json; charset=utf-8"
TYPENAME = {"query": "{ __typename }"}


def refusal(message: str, code: str) -> dict[str, Any]:
    return {"errors": [{"message": message, "extensions": {"code": code}}]}


async def post(
    client: Client,
    body: object = None,
    *,
    accept: str | None = None,
    content: bytes | None = None,
    content_type: str | None = "application/json",
    headers: dict[str, str] | None = None,
) -> Any:
    """POST to /graphql with exactly these headers (httpx's default Accept removed when None)."""
    request = client.build_request(
        "POST",
        "/graphql",
        json=body if content is None else None,
        content=content,
        headers=headers or {},
    )
    for name, value in (("accept", accept), ("content-type", content_type)):
        if value is None:
            request.headers.pop(name, None)
        else:
            request.headers[name] = value
    return await client.send(request)


# --- Accept ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "content_type"),
    [
        (None, JSON),  # the spec's legacy rule
        ("*/*", JSON),
        ("application/*", JSON),
        ("application/json", JSON),
        ("application/json; charset=utf-8", JSON),
        ("application/graphql-response+json", GRAPHQL_RESPONSE),
        ("application/graphql-response+json; charset=UTF-8", GRAPHQL_RESPONSE),
        # the spec's recommended header: listed first, preferred
        ("application/graphql-response+json, application/json", GRAPHQL_RESPONSE),
        ("application/json, application/graphql-response+json", JSON),
        ("application/json;q=0.5, application/graphql-response+json", GRAPHQL_RESPONSE),
        ("application/graphql-response+json;q=0.9, */*", JSON),
        ("application/json;q=0, */*", GRAPHQL_RESPONSE),
        ("text/html, application/graphql-response+json;q=0.1", GRAPHQL_RESPONSE),
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", JSON),
    ],
)
async def test_the_answer_comes_in_the_media_type_the_accept_header_ranks_first(
    client: Client, accept: str | None, content_type: str
) -> None:
    response = await post(client, TYPENAME, accept=accept)
    assert response.status_code == 200
    assert response.headers["content-type"] == content_type
    assert response.json() == {"data": {"__typename": "Query"}}


@pytest.mark.parametrize(
    "accept",
    [
        "text/html",
        "application/xml",
        "application/json;q=0",
        "application/json; charset=iso-8859-1",
        "image/*",
    ],
)
async def test_an_accept_header_naming_neither_json_type_is_a_406(
    client: Client, accept: str
) -> None:
    response = await post(client, TYPENAME, accept=accept)
    assert response.status_code == 406
    assert response.headers["content-type"] == JSON
    assert response.headers["accept"] == (
        "application/graphql-response+json; charset=utf-8, application/json; charset=utf-8"
    )
    assert response.json() == refusal(
        "this endpoint answers in application/graphql-response+json or application/json; "
        "the Accept header allows neither",
        "NOT_ACCEPTABLE",
    )


async def test_a_get_without_a_query_from_a_non_browser_is_a_400_not_graphiql(
    client: Client,
) -> None:
    for accept in ("*/*", "application/json"):
        response = await client.get("/graphql", headers={"Accept": accept})
        assert response.status_code == 400
        assert response.headers["content-type"] == JSON
        assert response.json() == refusal("the query parameter is required", "BAD_REQUEST")


# --- request errors: 200 in application/json, 400 in graphql-response+json ----------


REQUEST_ERRORS = [
    pytest.param(
        {"query": "{"},
        [
            {
                "message": "Syntax Error: Expected Name, found <EOF>.",
                "locations": [{"line": 1, "column": 2}],
                "extensions": {"code": "GRAPHQL_PARSE_FAILED"},
            }
        ],
        id="parse",
    ),
    pytest.param(
        {"query": ""},
        [
            {
                "message": "Syntax Error: Unexpected <EOF>.",
                "locations": [{"line": 1, "column": 1}],
                "extensions": {"code": "GRAPHQL_PARSE_FAILED"},
            }
        ],
        id="empty-document",
    ),
    pytest.param(
        {"query": "{ unknownField }"},
        [
            {
                "message": "Cannot query field 'unknownField' on type 'Query'.",
                "locations": [{"line": 1, "column": 3}],
                "extensions": {"code": "GRAPHQL_VALIDATION_FAILED"},
            }
        ],
        id="validation",
    ),
    pytest.param(
        {
            "query": 'query ($id: ID!) { goal(siteKey: "s", id: $id) { id } }',
            "variables": {"id": None},
        },
        [
            {
                "message": "Variable '$id' has invalid value: "
                "Expected value of non-null type 'ID!' not to be None.",
                "locations": [{"line": 1, "column": 8}],
                "extensions": {"code": "BAD_USER_INPUT"},
            }
        ],
        id="variable-coercion",
    ),
    pytest.param(
        {"query": "query A { __typename }", "operationName": "B"},
        [
            {
                "message": 'Unknown operation named "B".',
                "extensions": {"code": "OPERATION_RESOLUTION_FAILURE"},
            }
        ],
        id="unknown-operation",
    ),
    pytest.param(
        {"query": "query A { __typename } query B { __typename }"},
        [
            {
                "message": "Must provide operation name if query contains multiple operations.",
                "extensions": {"code": "OPERATION_RESOLUTION_FAILURE"},
            }
        ],
        id="several-operations-unnamed",
    ),
]


@pytest.mark.parametrize(("body", "errors"), REQUEST_ERRORS)
@pytest.mark.parametrize(
    ("accept", "status", "content_type"),
    [("application/json", 200, JSON), ("application/graphql-response+json", 400, GRAPHQL_RESPONSE)],
)
async def test_a_request_error_has_no_data_and_a_status_by_media_type(
    client: Client,
    body: dict[str, Any],
    errors: list[dict[str, Any]],
    accept: str,
    status: int,
    content_type: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    response = await post(client, body, accept=accept)
    assert response.status_code == status
    assert response.headers["content-type"] == content_type
    assert response.json() == {"errors": errors}
    # A client's mistake is an answer, not an incident.
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []


async def test_the_operation_named_among_several_runs(client: Client) -> None:
    body = {"query": "query A { a: __typename } query B { b: __typename }", "operationName": "B"}
    response = await post(client, body)
    assert response.json() == {"data": {"b": "Query"}}


async def test_field_errors_keep_200_and_data_in_graphql_response_json(
    client: Client, site: str
) -> None:
    """Auth errors are field errors: the request ran, so the answer is a partial one."""
    body = {"query": '{ __typename site(key: "sk_abc123def456") { key } }'}
    response = await post(client, body, accept="application/graphql-response+json")
    assert response.status_code == 200
    assert response.headers["content-type"] == GRAPHQL_RESPONSE
    assert response.json() == {
        "data": {"__typename": "Query", "site": None},
        "errors": [
            {
                "message": "an Authorization: Bearer token is required",
                "locations": [{"line": 1, "column": 14}],
                "path": ["site"],
                "extensions": {"code": "UNAUTHENTICATED"},
            }
        ],
    }


async def test_a_get_query_answers_in_graphql_response_json(
    client: Client, site: str, token: str
) -> None:
    response = await client.get(
        "/graphql",
        params={
            "query": "query V($k: String!) { site(key: $k) { key } }",
            "variables": '{"k": "sk_abc123def456"}',
        },
        headers={"Accept": "application/graphql-response+json", **bearer(token)},
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == GRAPHQL_RESPONSE
    assert response.json() == {"data": {"site": {"key": "sk_abc123def456"}}}


async def test_a_get_validation_error_is_a_400_in_graphql_response_json(client: Client) -> None:
    response = await client.get(
        "/graphql",
        params={"query": "{ unknownField }"},
        headers={"Accept": "application/graphql-response+json"},
    )
    assert response.status_code == 400
    assert response.json() == {
        "errors": [
            {
                "message": "Cannot query field 'unknownField' on type 'Query'.",
                "locations": [{"line": 1, "column": 3}],
                "extensions": {"code": "GRAPHQL_VALIDATION_FAILED"},
            }
        ]
    }


# --- requests that are not GraphQL-over-HTTP requests -------------------------------


MALFORMED_POSTS = [
    (b'{ "not a JSON', "the request body is not valid JSON"),
    (b"", "the request body is empty: send a JSON object with a query"),
    (b'"{ __typename }"', "the request body must be a JSON object"),
    (b"42", "the request body must be a JSON object"),
    (b'[{"query": "{ __typename }"}]', "batching is not supported: send one operation per request"),
    (b'{"qeury": "{ __typename }"}', "the query parameter is required"),
    (b'{"query": null}', "the query parameter is required"),
    (b'{"query": {"obj": "ect"}}', "the query parameter must be a string"),
    (
        b'{"query": "{ __typename }", "variables": [7]}',
        "the variables parameter must be a JSON object or null",
    ),
    (
        b'{"query": "{ __typename }", "variables": "{}"}',
        "the variables parameter must be a JSON object or null",
    ),
    (
        b'{"query": "{ __typename }", "extensions": false}',
        "the extensions parameter must be a JSON object or null",
    ),
    (
        b'{"query": "{ __typename }", "operationName": 0}',
        "the operationName parameter must be a string or null",
    ),
    (b'{"query": "\xff"}', "the request body is not valid JSON"),
]


@pytest.mark.parametrize(("content", "message"), MALFORMED_POSTS)
@pytest.mark.parametrize("accept", ["application/json", "application/graphql-response+json"])
async def test_a_malformed_post_is_a_400_with_an_errors_body(
    client: Client, content: bytes, message: str, accept: str, caplog: pytest.LogCaptureFixture
) -> None:
    response = await post(client, content=content, accept=accept)
    assert response.status_code == 400
    assert response.headers["content-type"] == f"{accept}; charset=utf-8"
    assert response.json() == refusal(message, "BAD_REQUEST")
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []


@pytest.mark.parametrize(
    ("content_type", "message"),
    [
        (None, "a POST needs Content-Type: application/json"),
        ("text/plain", "a POST body must be application/json in UTF-8, not text/plain"),
        (
            "application/graphql",
            "a POST body must be application/json in UTF-8, not application/graphql",
        ),
        (
            "application/json; charset=iso-8859-1",
            "a POST body must be application/json in UTF-8, "
            "not application/json; charset=iso-8859-1",
        ),
        (
            "application/x-www-form-urlencoded",
            "a POST body must be application/json in UTF-8, not application/x-www-form-urlencoded",
        ),
    ],
)
async def test_a_post_that_is_not_utf8_json_is_a_415(
    client: Client, content_type: str | None, message: str
) -> None:
    response = await post(client, content=b'{"query": "{ __typename }"}', content_type=content_type)
    assert response.status_code == 415
    assert response.headers["content-type"] == JSON
    assert response.json() == refusal(message, "UNSUPPORTED_MEDIA_TYPE")


async def test_a_utf8_json_body_with_its_charset_runs(client: Client) -> None:
    body = '{"query": "{ __type(name: \\"Run🏃\\") { name } }"}'.encode()
    response = await post(client, content=body, content_type="application/json; charset=UTF-8")
    assert response.status_code == 200
    assert response.json() == {"data": {"__type": None}}


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (
            {"query": "{ __typename }", "variables": "{nope"},
            "the variables parameter is not valid JSON",
        ),
        (
            {"query": "{ __typename }", "variables": "[1]"},
            "the variables parameter must be a JSON object or null",
        ),
        (
            {"query": "{ __typename }", "extensions": "1"},
            "the extensions parameter must be a JSON object or null",
        ),
        (
            {"query": ["{ a: __typename }", "{ b: __typename }"]},
            "the query parameter is given more than once",
        ),
    ],
)
async def test_a_malformed_get_is_a_400(
    client: Client, params: dict[str, Any], message: str
) -> None:
    response = await client.get("/graphql", params=params)
    assert response.status_code == 400
    assert response.headers["content-type"] == JSON
    assert response.json() == refusal(message, "BAD_REQUEST")


async def test_get_treats_empty_optional_parameters_as_absent(client: Client) -> None:
    params = {"query": "{ __typename }", "variables": "", "extensions": "", "operationName": ""}
    response = await client.get("/graphql", params=params)
    assert response.status_code == 200
    assert response.json() == {"data": {"__typename": "Query"}}


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE"])
async def test_other_methods_are_a_405_naming_get_and_post(client: Client, method: str) -> None:
    response = await client.request(method, "/graphql", json=TYPENAME)
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, POST"
    assert response.headers["content-type"] == JSON
    assert response.json() == refusal(
        "GraphQL over HTTP takes GET (queries) and POST", "METHOD_NOT_ALLOWED"
    )


# --- the app's own refusals, in GraphQL's shape --------------------------------------


@pytest.fixture
async def tight_client(settings: Settings) -> AsyncIterator[Client]:
    tight = settings.model_copy(update={"max_body_bytes": 1024, "rate_limit_token": "3/minute"})
    async with AsyncTestClient(app=create_app(tight)) as test_client:
        yield test_client


async def test_a_body_too_large_is_a_413_with_an_errors_body(tight_client: Client) -> None:
    response = await post(
        tight_client,
        {"query": "{ __typename }", "variables": {"pad": "x" * 2048}},
        accept="application/graphql-response+json",
    )
    assert response.status_code == 413
    assert response.headers["content-type"] == GRAPHQL_RESPONSE
    [error] = response.json()["errors"]
    assert error["extensions"] == {"code": "PAYLOAD_TOO_LARGE"}
    assert list(response.json()) == ["errors"]


async def test_the_rate_limit_answers_a_429_with_an_errors_body(tight_client: Client) -> None:
    statuses = [(await post(tight_client, TYPENAME)).status_code for _ in range(3)]
    assert statuses == [200, 200, 200]
    response = await post(tight_client, TYPENAME)
    assert response.status_code == 429
    assert response.headers["content-type"] == JSON
    assert int(response.headers["retry-after"]) > 0
    [error] = response.json()["errors"]
    assert error["extensions"] == {"code": "RATE_LIMITED"}
    assert list(response.json()) == ["errors"]


BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


async def test_a_browser_gets_graphiql_and_a_query_link_gets_its_answer(client: Client) -> None:
    page = await client.get(
        "/graphql", params={"q": "{ __typename }"}, headers={"Accept": BROWSER_ACCEPT}
    )
    assert page.status_code == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert "<title>goalgate GraphiQL</title>" in page.text
    answer = await client.get(
        "/graphql", params={"query": "{ __typename }"}, headers={"Accept": BROWSER_ACCEPT}
    )
    assert answer.status_code == 200
    assert answer.headers["content-type"] == JSON
    assert answer.json() == {"data": {"__typename": "Query"}}


async def test_head_is_a_405_and_options_names_the_methods(client: Client) -> None:
    head = await client.head("/graphql", params={"query": "{ __typename }"})
    assert head.status_code == 405
    assert head.headers["allow"] == "GET, POST"
    assert head.content == b""
    options = await client.options("/graphql")
    assert options.status_code == 204
    assert options.headers["allow"] == "GET, POST, OPTIONS"


async def test_a_bug_outside_execution_is_a_logged_500_with_an_errors_body(
    client: Client, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from goalgate.api.graphql import http

    def broken(*args: object) -> None:
        raise RuntimeError("SELECT secret FROM internals")

    monkeypatch.setattr(http, "params_from_body", broken)
    response = await post(client, TYPENAME)
    assert response.status_code == 500
    assert response.headers["content-type"] == JSON
    assert response.json() == refusal("an unexpected error occurred", "INTERNAL_ERROR")
    [record] = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert record.exc_info is not None
    assert "SELECT" not in response.text

"""Every error /graphql answers carries ``extensions.code``, with an exact status.

Issue #20, row 6: a subscription POSTed to /graphql got an error without a
code, and so did every error graphql-core raises before execution (parse,
validation, variables, the choice of operation) and a masked bug: a client could
only tell them apart by their wording. Each request below is one a client can
send; each answer's errors all have the code expected, nothing else is
logged as an incident, and no bug's message reaches the client.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest

from goalgate.api.graphql import limits, types
from tests.helpers.http import Client, bearer

SUBSCRIPTION = 'subscription { conversions(siteKey: "sk_abc123def456") { goalId } }'
OVER_HTTP = "subscriptions run over a WebSocket (graphql-transport-ws) at /graphql, not over HTTP"
JSON = "application/json"
GRAPHQL_RESPONSE = "application/graphql-response+json"


def deep(levels: int) -> str:
    """A valid query ``3 * levels + 2`` fields deep."""
    return (
        '{ site(key: "s") { ' + "goals { nodes { site { " * levels + "key" + " }" * (3 * levels + 2)
    )


# (method, request arguments for httpx, status, the code of every error)
REQUESTS: list[Any] = [
    pytest.param("POST", {"json": {"query": SUBSCRIPTION}}, 400, "BAD_REQUEST", id="subscription"),
    pytest.param("GET", {"params": {"query": SUBSCRIPTION}}, 400, "BAD_REQUEST", id="get-sub"),
    pytest.param("POST", {"json": {"query": "{"}}, 200, "GRAPHQL_PARSE_FAILED", id="parse"),
    pytest.param("POST", {"json": {"query": ""}}, 200, "GRAPHQL_PARSE_FAILED", id="empty-query"),
    pytest.param(
        "POST",
        {"json": {"query": "{ " + "__typename " * 3000 + "}"}},
        200,
        "GRAPHQL_PARSE_FAILED",
        id="over-the-token-limit",
    ),
    pytest.param(
        "POST", {"json": {"query": "{ nope }"}}, 200, "GRAPHQL_VALIDATION_FAILED", id="validation"
    ),
    pytest.param(
        "POST", {"json": {"query": deep(5)}}, 200, "GRAPHQL_VALIDATION_FAILED", id="too-deep"
    ),
    pytest.param(
        "POST",
        {"json": {"query": "{ " + " ".join(f"a{i}: __typename" for i in range(20)) + " }"}},
        200,
        "GRAPHQL_VALIDATION_FAILED",
        id="too-many-aliases",
    ),
    pytest.param(
        "POST",
        {"json": {"query": "query ($k: String!) { site(key: $k) { key } }", "variables": {}}},
        200,
        "BAD_USER_INPUT",
        id="variable-missing",
    ),
    pytest.param(
        "POST",
        {"json": {"query": "query ($n: Int) { __typename @skip(if: false) }", "variables": {}}},
        200,
        "GRAPHQL_VALIDATION_FAILED",
        id="variable-unused",
    ),
    pytest.param(
        "POST",
        {"json": {"query": "query ($k: String!) { site(key: $k) { key } }", "variables": {"k": 1}}},
        200,
        "BAD_USER_INPUT",
        id="variable-wrong-type",
    ),
    pytest.param(
        "POST",
        {"json": {"query": "query A { __typename }", "operationName": "B"}},
        200,
        "OPERATION_RESOLUTION_FAILURE",
        id="unknown-operation",
    ),
    pytest.param(
        "POST",
        {"json": {"query": "query A { __typename } query B { __typename }"}},
        200,
        "OPERATION_RESOLUTION_FAILURE",
        id="several-operations-unnamed",
    ),
    pytest.param(
        "GET",
        {"params": {"query": 'mutation { deleteGoal(siteKey: "s", id: "1") { deleted } }'}},
        405,
        "METHOD_NOT_ALLOWED",
        id="get-mutation",
    ),
    pytest.param(
        "POST",
        {"content": b'{"query": "{ __typename }"}', "headers": {"Content-Type": "text/plain"}},
        415,
        "UNSUPPORTED_MEDIA_TYPE",
        id="wrong-content-type",
    ),
    pytest.param("POST", {"json": [{"query": "{ __typename }"}]}, 400, "BAD_REQUEST", id="batch"),
    pytest.param(
        "POST",
        {"json": {"query": "{ __typename }", "variables": [1]}},
        400,
        "BAD_REQUEST",
        id="variables-not-an-object",
    ),
    pytest.param("POST", {"json": {"variables": {}}}, 400, "BAD_REQUEST", id="no-query"),
    pytest.param(
        "POST",
        {"content": b"{", "headers": {"Content-Type": JSON}},
        400,
        "BAD_REQUEST",
        id="not-json",
    ),
    pytest.param("GET", {"headers": {"Accept": JSON}}, 400, "BAD_REQUEST", id="get-no-query"),
    pytest.param(
        "POST",
        {"json": {"query": "{ __typename }"}, "headers": {"Accept": "text/csv"}},
        406,
        "NOT_ACCEPTABLE",
        id="not-acceptable",
    ),
    pytest.param("PUT", {}, 405, "METHOD_NOT_ALLOWED", id="put"),
    pytest.param(
        "POST", {"json": {"query": "{ viewer { name } }"}}, 200, "UNAUTHENTICATED", id="no-token"
    ),
    pytest.param(
        "POST",
        {"json": {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "0" * 64}}}},
        200,
        "PERSISTED_QUERY_NOT_FOUND",
        id="apq-unknown-hash",
    ),
    pytest.param(
        "GET",
        {
            "params": {
                "extensions": '{"persistedQuery": {"version": 1, "sha256Hash": "%s"}}' % ("0" * 64)
            }
        },
        200,
        "PERSISTED_QUERY_NOT_FOUND",
        id="apq-unknown-hash-get",
    ),
    pytest.param(
        "POST",
        {"json": {"extensions": {"persistedQuery": {"version": 2, "sha256Hash": "0" * 64}}}},
        200,
        "PERSISTED_QUERY_NOT_SUPPORTED",
        id="apq-version-2",
    ),
    pytest.param(
        "POST",
        {
            "json": {
                "query": "{ __typename }",
                "extensions": {"persistedQuery": {"version": 1, "sha256Hash": "0" * 64}},
            }
        },
        400,
        "PERSISTED_QUERY_HASH_MISMATCH",
        id="apq-hash-mismatch",
    ),
    pytest.param(
        "POST",
        {"json": {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "abc"}}}},
        400,
        "BAD_REQUEST",
        id="apq-malformed-hash",
    ),
    pytest.param(
        "POST",
        {"json": {"query": "{ node { id } }"}},
        200,
        "GRAPHQL_VALIDATION_FAILED",
        id="node-no-id",
    ),
]


def assert_every_error_has(body: dict[str, Any], code: str) -> None:
    assert body["errors"] != []
    assert [error["extensions"]["code"] for error in body["errors"]] == [code] * len(body["errors"])


@pytest.mark.parametrize(("method", "request_args", "status", "code"), REQUESTS)
async def test_every_graphql_error_carries_its_code(
    client: Client,
    method: str,
    request_args: dict[str, Any],
    status: int,
    code: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    response = await client.request(method, "/graphql", **request_args)
    assert response.status_code == status
    assert_every_error_has(response.json(), code)
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []


@pytest.mark.parametrize("accept", [JSON, GRAPHQL_RESPONSE])
async def test_a_subscription_over_http_is_a_400_bad_request_in_either_media_type(
    client: Client, accept: str
) -> None:
    response = await client.post(
        "/graphql", json={"query": SUBSCRIPTION}, headers={"Accept": accept}
    )
    assert response.status_code == 400
    assert response.headers["content-type"] == f"{accept}; charset=utf-8"
    assert response.json() == {
        "errors": [{"message": OVER_HTTP, "extensions": {"code": "BAD_REQUEST"}}]
    }


async def test_a_bug_in_a_resolver_is_a_masked_internal_error(
    client: Client,
    site: str,
    token: str,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("SELECT secret FROM internals")

    monkeypatch.setattr(types.goal_service, "count_goals", broken)
    query = f'{{ site(key: "{site}") {{ goals {{ totalCount }} }} }}'
    response = await client.post("/graphql", json={"query": query}, headers=bearer(token))
    assert response.status_code == 200
    [error] = response.json()["errors"]
    assert (error["message"], error["extensions"]) == (
        "Unexpected error.",
        {"code": "INTERNAL_ERROR"},
    )
    assert "SELECT" not in response.text
    assert len([r for r in caplog.records if r.levelno >= logging.ERROR]) == 1


async def test_a_bug_in_an_extension_is_a_logged_masked_internal_error(
    client: Client,
    token: str,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("SELECT secret FROM internals")

    monkeypatch.setattr(limits, "operation_cost", broken)
    response = await client.post(
        "/graphql", json={"query": "{ viewer { name } }"}, headers=bearer(token)
    )
    assert response.status_code == 200
    assert response.json() == {
        "errors": [
            {"message": "an unexpected error occurred", "extensions": {"code": "INTERNAL_ERROR"}}
        ]
    }
    [record] = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert record.exc_info is not None

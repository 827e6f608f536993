"""Every face reads a bearer token by one rule and refuses a malformed one alike.

REST, ingestion, GraphQL over HTTP and a WebSocket's connection_init all go
through ``api.auth``: a value that is not ``Bearer <secret>`` gets the same
message (and, on a WebSocket, the socket is refused) before any lookup.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from litestar.exceptions import WebSocketDisconnect

from goalgate.api.auth.credentials import (
    UNKNOWN_CLIENT,
    authorization,
    client_ip,
    connection_authorization,
)
from goalgate.domain.tokens import bearer_secret
from tests.helpers.http import EVENTS_URL, Client, error

GOALS = "/api/v1/analytics/sites/sk_abc123def456/goals"
MESSAGE = "the Authorization header must be 'Bearer <token>'"
MALFORMED = ["Basic dXNlcjpwYXNz", "Bearer", "Token gg_abc", "bearer:gg_abc"]


@pytest.mark.parametrize(
    ("value", "secret"),
    [
        (None, None),
        ("", None),
        ("   ", None),
        ("Bearer", None),
        ("Bearer    ", None),
        ("Basic dXNlcjpwYXNz", None),
        ("Bearer gg_abc", "gg_abc"),
        ("bearer gg_abc", "gg_abc"),
        ("BEARER   gg_abc  ", "gg_abc"),
        ("  Bearer gg_abc", "gg_abc"),
        ("Bearer gg_a b", "gg_a b"),
    ],
)
def test_the_bearer_rule(value: str | None, secret: str | None) -> None:
    assert bearer_secret(value) == secret


def test_the_authorization_of_a_scope_and_of_a_connection_init() -> None:
    scope: Any = {"headers": [(b"accept", b"*/*"), (b"authorization", b"Bearer gg_x")]}
    assert authorization(scope) == "Bearer gg_x"
    assert authorization({"headers": []}) is None  # type: ignore[typeddict-item]
    assert connection_authorization({"Authorization": "Bearer gg_x"}) == "Bearer gg_x"
    assert connection_authorization({"authorization": "Bearer gg_y"}) == "Bearer gg_y"
    assert connection_authorization({"Authorization": 42}) is None
    assert connection_authorization({}) is None
    assert connection_authorization(None) is None


def test_the_client_ip_of_a_scope_without_a_client_is_unknown() -> None:
    assert client_ip({"client": ("203.0.113.9", 5000)}) == "203.0.113.9"  # type: ignore[typeddict-item]
    assert client_ip({"client": None}) == UNKNOWN_CLIENT  # type: ignore[typeddict-item]
    assert client_ip({}) == UNKNOWN_CLIENT  # type: ignore[typeddict-item]


@pytest.mark.parametrize("value", MALFORMED)
async def test_every_http_face_refuses_a_malformed_bearer_alike(client: Client, value: str) -> None:
    headers = {"Authorization": value}
    refused = (401, error("unauthenticated", MESSAGE))
    rest = await client.get(GOALS, headers=headers)
    assert (rest.status_code, rest.json()) == refused
    event = {"site": "sk_abc123def456", "type": "pageview", "url": "https://a.example/"}
    ingest = await client.post(EVENTS_URL, json=event, headers=headers)
    assert (ingest.status_code, ingest.json()) == refused
    graphql = await client.post("/graphql", json={"query": "{ viewer { name } }"}, headers=headers)
    [graphql_error] = graphql.json()["errors"]
    assert (graphql_error["message"], graphql_error["extensions"]) == (
        MESSAGE,
        {"code": "UNAUTHENTICATED"},
    )


@pytest.mark.parametrize("value", MALFORMED)
async def test_a_websocket_refuses_a_malformed_bearer_in_connection_init(
    client: Client, value: str
) -> None:
    socket = await client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"])
    with socket:
        socket.send_json({"type": "connection_init", "payload": {"Authorization": value}})
        with pytest.raises(WebSocketDisconnect) as closed:
            await asyncio.to_thread(socket.receive, timeout=5)
    assert closed.value.code == 4403

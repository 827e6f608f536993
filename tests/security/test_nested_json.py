"""A JSON body nested too deeply to decode is the client's 400, on ingestion and on /graphql.

Issue #11: ``[`` x 10000 sent to ``POST /api/v1/analytics/events`` answered 500
(msgspec's RecursionError escaped the route, which decodes its body itself
because the tracker sends ``text/plain``). It now gets the documented error
body, as REST routes already did.

Issue #20, row 6: the same bodies POSTed to ``/graphql`` (with a token or
without) answered 500 ``INTERNAL_ERROR`` for the same reason (the GraphQL
transport decodes its body itself too). They now get a 400 ``BAD_REQUEST`` in
the shape of every other GraphQL transport refusal.
"""

from __future__ import annotations

import pytest

from goalgate.storage.db import Database
from tests.helpers.data import stored_events
from tests.helpers.http import EVENTS_URL, Client, bearer, error

DEPTH = 10_000
NESTED = [
    b"[" * DEPTH,
    b"[" * DEPTH + b"]" * DEPTH,
    b'{"site": "sk_abc123def456", "type": "event", "name": ' + b"[" * DEPTH + b"]" * DEPTH + b"}",
    b'{"a":' * DEPTH + b"1" + b"}" * DEPTH,
]
NESTED_IDS = ["unclosed arrays", "closed arrays", "in a field", "objects"]


@pytest.mark.parametrize("body", NESTED, ids=NESTED_IDS)
@pytest.mark.parametrize("content_type", ["application/json", "text/plain"])
async def test_deeply_nested_json_is_400_with_the_error_body(
    client: Client, db: Database, site: str, body: bytes, content_type: str
) -> None:
    response = await client.post(EVENTS_URL, content=body, headers={"Content-Type": content_type})
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/json"
    assert response.json() == error("bad_request", "the JSON body is nested too deeply")
    assert await stored_events(db) == []


async def test_json_nested_within_reason_is_still_read_and_validated(
    client: Client, db: Database, site: str
) -> None:
    body = b'{"site": "sk_abc123def456", "type": "event", "name": ' + b"[" * 100 + b"]" * 100
    response = await client.post(EVENTS_URL, content=body + b"}")
    assert response.status_code == 422
    assert response.json() == error(
        "validation_error",
        "the events are not valid; none was stored",
        {"0.name": "must be a string"},
    )
    assert await stored_events(db) == []


def too_deep(message: str) -> dict[str, object]:
    return {"errors": [{"message": message, "extensions": {"code": "BAD_REQUEST"}}]}


@pytest.mark.parametrize(
    "body",
    [
        *NESTED,
        b'{"query": "{ __typename }", "variables": {"a": ' + b"[" * DEPTH + b"]" * DEPTH + b"}}",
    ],
    ids=[*NESTED_IDS, "in the variables"],
)
@pytest.mark.parametrize("with_token", [False, True], ids=["anonymous", "with a token"])
async def test_deeply_nested_json_posted_to_graphql_is_a_400_bad_request(
    client: Client, token: str, body: bytes, with_token: bool
) -> None:
    headers = {"Content-Type": "application/json", **(bearer(token) if with_token else {})}
    response = await client.post("/graphql", content=body, headers=headers)
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    assert response.json() == too_deep("the JSON body is nested too deeply")


@pytest.mark.parametrize("name", ["variables", "extensions"])
async def test_deeply_nested_json_in_a_graphql_get_parameter_is_a_400_bad_request(
    client: Client, token: str, name: str
) -> None:
    params = {"query": "{ __typename }", name: "[" * DEPTH + "]" * DEPTH}
    response = await client.get("/graphql", params=params, headers=bearer(token))
    assert response.status_code == 400
    assert response.json() == too_deep(f"the {name} parameter is nested too deeply")

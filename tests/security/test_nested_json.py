"""A JSON body nested too deeply to decode is the client's 400 on the ingestion route too.

Issue #11: ``[`` x 10000 sent to ``POST /api/v1/analytics/events`` answered 500
(msgspec's RecursionError escaped the route, which decodes its body itself
because the tracker sends ``text/plain``). It now gets the documented error
body, as REST routes already did. GraphQL is covered with its transport.
"""

from __future__ import annotations

import pytest

from goalgate.storage.db import Database
from tests.helpers.data import stored_events
from tests.helpers.http import EVENTS_URL, Client, error

DEPTH = 10_000


@pytest.mark.parametrize(
    "body",
    [
        b"[" * DEPTH,
        b"[" * DEPTH + b"]" * DEPTH,
        b'{"site": "sk_abc123def456", "type": "event", "name": '
        + b"[" * DEPTH
        + b"]" * DEPTH
        + b"}",
        b'{"a":' * DEPTH + b"1" + b"}" * DEPTH,
    ],
    ids=["unclosed arrays", "closed arrays", "in an event field", "objects"],
)
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

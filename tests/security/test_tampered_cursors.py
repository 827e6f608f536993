"""A tampered page cursor is the client's mistake on every route that takes one, on both backends.

Issue #20, row 5: base64 of 10,000-deep nested JSON answered 500 (the JSON
parser's RecursionError), and on PostgreSQL ``[2**63, "x"]`` (out of
``bigint``) and a NUL in the value (not storable as text) failed in the
database with "Unexpected error." and a traceback. Every cursor the API takes
(REST ``/breakdown``, GraphQL ``Goal.breakdown`` and ``Site.goals``) now gets
each of these payloads: REST answers 422 naming ``after``, GraphQL a
``BAD_USER_INPUT`` naming it, and nothing is logged as an incident.
"""

from __future__ import annotations

import base64
import logging
from typing import Any

import pytest

from goalgate.domain.cursors import MAX_CURSOR_LENGTH
from goalgate.storage.db import Database
from tests.helpers.breakdowns import write_sample
from tests.helpers.graphql import create_goal, gql
from tests.helpers.http import Client, bearer, error

BASE = "/api/v1/analytics/sites"
MARCH = {"period": "custom", "from": "2024-03-01", "to": "2024-03-31"}
A_UUID = "550e8400-e29b-41d4-a716-446655440000"


def b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode("utf-8", "surrogatepass")).decode().rstrip("=")


TAMPERED = {
    "nested JSON 10,000 deep": b64("[" * 10_000 + "]" * 10_000),
    "conversions 2**63": b64('[9223372036854775808, "x"]'),
    "NUL in the value": b64('[1, "a\\u0000b"]'),
    "NUL in the cursor": b64('[1, "x"]') + "\x00",
    "lone surrogate in the value": b64('[1, "\\ud800"]'),
    "raw UTF-8 surrogate bytes": b64('[1, "\ud800"]'),
    "not base64": "not base64!",
    "wrong shape: an object": b64('{"conversions": 1, "value": "x"}'),
    "wrong shape: three items": b64('[1, "x", 2]'),
    "wrong shape: negative conversions": b64('[-1, "x"]'),
    "longer than any cursor": "A" * (MAX_CURSOR_LENGTH + 4),
    "goal instant out of range": b64(f"0001-01-01T00:00:00+05:00|{A_UUID}"),
    "goal id with NUL": b64("2026-01-01T00:00:00+00:00|\x00"),
    "goal id not canonical": b64(f"2026-01-01T00:00:00+00:00|{A_UUID.upper()}"),
}
PAYLOADS = [pytest.param(cursor, id=name) for name, cursor in TAMPERED.items()]
NOT_A_CURSOR = {"after": "not a cursor given by this API"}

BREAKDOWN = """
query B($site: String!, $id: ID!, $after: String) {
  goal(siteKey: $site, id: $id) {
    breakdown(by: SOURCE, period: CUSTOM, from: "2024-03-01", to: "2024-03-31", after: $after) {
      nodes { value }
    }
  }
}
"""
GOALS = """
query G($site: String!, $after: String) {
  site(key: $site) { goals(after: $after) { nodes { name } } }
}
"""


async def arranged(client: Client, db: Database, site: str, token: str) -> str:
    """A goal with conversions in March 2024, so that each query reaches the database."""
    goal = await create_goal(
        client, token, site, name="Buy", type="CUSTOM", matchValue="buy", currency="USD"
    )
    await write_sample(db, site)
    return str(goal["id"])


def assert_no_incident(caplog: pytest.LogCaptureFixture) -> None:
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []


def assert_bad_user_input(body: dict[str, Any]) -> None:
    assert body["errors"] == [
        {
            "message": "after is not valid (after: not a cursor given by this API)",
            "locations": body["errors"][0]["locations"],
            "path": body["errors"][0]["path"],
            "extensions": {"code": "BAD_USER_INPUT", "arguments": NOT_A_CURSOR},
        }
    ]


@pytest.mark.parametrize("cursor", PAYLOADS)
async def test_rest_breakdown_after_a_tampered_cursor_is_422_naming_after(
    client: Client,
    db: Database,
    site: str,
    token: str,
    cursor: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    goal = await arranged(client, db, site, token)
    response = await client.get(
        f"{BASE}/{site}/goals/{goal}/breakdown",
        params={"by": "source", "after": cursor, **MARCH},
        headers=bearer(token),
    )
    assert response.status_code == 422
    assert response.json() == error("validation_error", "after is not valid", NOT_A_CURSOR)
    assert_no_incident(caplog)


@pytest.mark.parametrize("cursor", PAYLOADS)
async def test_graphql_breakdown_after_a_tampered_cursor_is_bad_user_input(
    client: Client,
    db: Database,
    site: str,
    token: str,
    cursor: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    goal = await arranged(client, db, site, token)
    body = await gql(client, BREAKDOWN, {"site": site, "id": goal, "after": cursor}, token)
    assert_bad_user_input(body)
    assert body["data"] == {"goal": {"breakdown": None}}
    assert_no_incident(caplog)


@pytest.mark.parametrize("cursor", PAYLOADS)
async def test_graphql_goals_after_a_tampered_cursor_is_bad_user_input(
    client: Client,
    db: Database,
    site: str,
    token: str,
    cursor: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await arranged(client, db, site, token)
    body = await gql(client, GOALS, {"site": site, "after": cursor}, token)
    assert_bad_user_input(body)
    assert body["data"] == {"site": {"goals": None}}
    assert_no_incident(caplog)

"""A token that fails authentication counts against its client IP's bucket.

Before, each request with a new fake bearer token had a bucket of its own
and was never limited. Now each failed token takes one from the bucket of
its IP on the token rate (the one requests without a token use), and once
that is used up the IP's unknown tokens are refused with 429 before any
lookup, on REST, GraphQL and ingestion alike.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import AsyncIterator

import pytest
from litestar.testing import AsyncTestClient

from goalgate.app import create_app
from goalgate.services.ratelimit import RateLimiter
from goalgate.settings import Settings
from goalgate.storage.db import Database
from tests.helpers.data import make_site, make_token
from tests.helpers.http import EVENTS_URL, Client, bearer, error

GOALS = "/api/v1/analytics/sites/sk_abc123def456/goals"
NOW = (int(time.time()) // 60) * 60 + 30.25
INVALID = error("unauthenticated", "the token is invalid or revoked")
LIMITED = error("rate_limited", "too many requests: at most 3 per minute; retry in 30 s")


def fake() -> dict[str, str]:
    """A new well-formed token that does not exist."""
    return bearer("gg_" + secrets.token_urlsafe(32))


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[Client]:
    app = create_app(settings.model_copy(update={"rate_limit_token": "3/minute"}))
    async with AsyncTestClient(app=app) as test_client:
        limiter: RateLimiter = app.state.runtime.limiter
        limiter.clock = lambda: NOW
        yield test_client


async def test_a_new_fake_token_per_request_is_limited_per_ip(client: Client, db: Database) -> None:
    await make_site(db)
    valid = await make_token(db)
    answers = []
    for headers in (fake(), bearer("gg_short"), fake(), fake(), fake()):
        response = await client.get(GOALS, headers=headers)
        answers.append((response.status_code, response.json()))
    assert answers == [(401, INVALID)] * 3 + [(429, LIMITED)] * 2
    # The IP is refused an unknown token, and a request without one, for the window.
    refused = await client.get(GOALS, headers=bearer(valid))
    assert (refused.status_code, refused.headers["retry-after"]) == (429, "30")
    assert (await client.get(GOALS)).status_code == 429


async def test_failed_tokens_on_graphql_and_ingestion_count_too(
    client: Client, db: Database
) -> None:
    await make_site(db)
    codes = []
    for _ in range(2):
        body = (
            await client.post("/graphql", json={"query": "{ viewer { name } }"}, headers=fake())
        ).json()
        codes.append(body["errors"][0]["extensions"]["code"])
    event = {"site": "sk_abc123def456", "type": "event", "name": "x"}
    ingested = await client.post(EVENTS_URL, json=event, headers=fake())
    assert (ingested.status_code, ingested.json()) == (401, INVALID)
    body = (
        await client.post("/graphql", json={"query": "{ viewer { name } }"}, headers=fake())
    ).json()
    assert body == {
        "data": None,
        "errors": [
            {
                "message": "too many requests: at most 3 per minute; retry in 30 s",
                "locations": [{"line": 1, "column": 3}],
                "path": ["viewer"],
                "extensions": {"code": "RATE_LIMITED", "retryAfter": 30},
            }
        ],
    }
    assert codes == ["UNAUTHENTICATED", "UNAUTHENTICATED"]
    ingested = await client.post(EVENTS_URL, json=event, headers=fake())
    assert (ingested.status_code, ingested.json()) == (429, LIMITED)
    # Without a token, ingestion is still open (its own per-IP rate).
    assert (await client.post(EVENTS_URL, json=event)).status_code == 202


async def test_one_request_with_a_bad_token_counts_once(client: Client, db: Database) -> None:
    await make_site(db)
    headers = fake()
    many = "{ " + " ".join(f'v{n}: site(key: "sk_abc123def456") {{ key }}' for n in range(5)) + " }"
    body = (await client.post("/graphql", json={"query": many}, headers=headers)).json()
    assert [e["extensions"]["code"] for e in body["errors"]] == ["UNAUTHENTICATED"] * 5
    answers = [(await client.get(GOALS, headers=fake())).status_code for _ in range(3)]
    assert answers == [401, 401, 429]

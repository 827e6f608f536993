"""X-Request-ID on every response: generated, or honoured from a trusted proxy when sane.

The test client connects as the peer ``testclient``: untrusted by default
(FORWARDED_ALLOW_IPS is 127.0.0.1), trusted when the setting names it.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import pytest
from litestar.testing import AsyncTestClient

from goalgate.app import create_app
from goalgate.settings import Settings
from tests.helpers.http import EVENTS_URL, Client, bearer
from tests.helpers.ratelimit import pin_clock

GENERATED = re.compile(r"[0-9a-f]{32}")
GOALS = "/api/v1/analytics/sites/sk_abc123def456/goals"


@pytest.fixture
async def trusting(database_url: str) -> AsyncIterator[Client]:
    settings = Settings(database_url=database_url, forwarded_allow_ips="10.0.0.0/8, testclient")
    async with AsyncTestClient(app=create_app(settings)) as client:
        yield client


async def test_every_response_gets_a_new_request_id(client: Client, token: str) -> None:
    responses = [
        await client.get("/healthz"),
        await client.get(GOALS, headers=bearer(token)),
        await client.get(GOALS),  # 401
        await client.get("/nowhere"),  # 404, before any route
        await client.post(EVENTS_URL, json={"site": "sk_abc123def456", "type": "nope"}),  # 422
        await client.options(
            GOALS, headers={"Origin": "https://a.example", "Access-Control-Request-Method": "GET"}
        ),
        await client.post("/graphql", json={"query": "{ __typename }"}),
    ]
    assert [r.status_code for r in responses] == [200, 200, 401, 404, 422, 403, 200]
    ids = [r.headers["x-request-id"] for r in responses]
    assert all(GENERATED.fullmatch(request_id) for request_id in ids), ids
    assert len(set(ids)) == len(ids)


async def test_an_untrusted_client_cannot_choose_its_request_id(client: Client) -> None:
    response = await client.get("/healthz", headers={"X-Request-ID": "chosen-by-client"})
    assert response.headers["x-request-id"] != "chosen-by-client"
    assert GENERATED.fullmatch(response.headers["x-request-id"])


async def test_a_trusted_proxy_s_request_id_is_honoured(trusting: Client) -> None:
    for sent in ("edge-7f3a.b_c", "A" * 128, "0"):
        response = await trusting.get("/healthz", headers={"X-Request-ID": sent})
        assert response.headers["x-request-id"] == sent
    assert len(response.headers.get_list("x-request-id")) == 1


@pytest.mark.parametrize(
    "sent",
    ["A" * 129, "has space", "semi;colon", "new\\nline", "ünïcode".encode(), ""],
)
async def test_a_trusted_proxy_s_insane_request_id_is_replaced(
    trusting: Client, sent: str | bytes
) -> None:
    response = await trusting.get("/healthz", headers={"X-Request-ID": sent})
    assert GENERATED.fullmatch(response.headers["x-request-id"])


async def test_the_trusted_proxy_s_forwarded_client_address_is_applied(
    database_url: str,
) -> None:
    # The app applies X-Forwarded-For itself now (it used to be uvicorn's job):
    # the per-IP ingestion limit must count the forwarded client, not the proxy.
    settings = Settings(
        database_url=database_url, forwarded_allow_ips="testclient", rate_limit_ingest="1/minute"
    )
    app = create_app(settings)
    async with AsyncTestClient(app=app) as client:
        pin_clock(app)  # one window for the whole test
        event = {"site": "sk_nowhere", "type": "event", "name": "x"}

        async def post(ip: str) -> int:
            response = await client.post(EVENTS_URL, json=event, headers={"X-Forwarded-For": ip})
            return response.status_code

        first, again, other = (
            await post("198.51.100.1"),
            await post("198.51.100.1"),
            await post("198.51.100.2"),
        )
    # 404: the site does not exist, but the request was counted first.
    assert (first, again, other) == (404, 429, 404)

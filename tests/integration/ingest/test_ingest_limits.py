"""The ingestion route's rate limit (per client IP) and CORS, on real responses.

In process with the limiter's clock pinned inside one window, so that counts
and Retry-After are exact; then on a real server, where the client IP comes
from uvicorn (X-Forwarded-For from the trusted loopback proxy).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from goalgate.api.cors import EXPOSE_HEADERS
from goalgate.app import create_app
from goalgate.settings import Settings
from goalgate.storage.db import Database
from tests.helpers.data import make_site, make_token, stored_events
from tests.helpers.http import EVENTS_URL, Client, bearer, error
from tests.helpers.ratelimit import NOW, limit_headers, pin_clock
from tests.helpers.server import Server

SITE = "sk_abc123def456"
ORIGIN = "https://shop.example.org"
GOALS = f"/api/v1/analytics/sites/{SITE}/goals"


def events(name: str, count: int = 2) -> list[dict[str, Any]]:
    return [{"site": SITE, "type": "event", "name": name}] * count


def cors(headers: httpx.Headers) -> dict[str, str]:
    return {
        name: value
        for name, value in headers.items()
        if name.startswith("access-control-") or name == "vary"
    }


@pytest.fixture(params=["database", "redis"])
async def limited(
    request: pytest.FixtureRequest, settings: Settings
) -> AsyncIterator[tuple[Client, Litestar]]:
    update: dict[str, Any] = {"rate_limit_ingest": "3/minute", "rate_limit_token": "0"}
    if request.param == "redis":
        update["redis_url"] = request.getfixturevalue("redis_url")
    app = create_app(settings.model_copy(update=update))
    async with AsyncTestClient(app=app) as client:
        pin_clock(app)
        yield client, app


async def test_ingestion_over_its_rate_gets_429_and_stores_nothing_more(
    limited: tuple[Client, Litestar], db: Database
) -> None:
    client, _ = limited
    await make_site(db, SITE)
    seen = []
    for n in range(3):
        response = await client.post(EVENTS_URL, json=events(f"ok{n}"))
        assert response.status_code == 202
        assert response.json() == {"data": {"accepted": 2}}
        seen.append(limit_headers(response))
    assert seen == [("3", "2", "30"), ("3", "1", "30"), ("3", "0", "30")]

    refused = await client.post(EVENTS_URL, json=events("refused"), headers={"Origin": ORIGIN})
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "30"
    assert refused.json() == error(
        "rate_limited", "too many requests: at most 3 per minute; retry in 30 s"
    )
    # A browser's tracker may read Retry-After of the refusal, from any origin.
    assert cors(refused.headers) == {
        "access-control-allow-origin": "*",
        "access-control-expose-headers": EXPOSE_HEADERS,
    }
    # Even a bad body is refused by the limit first: it is never read.
    assert (await client.post(EVENTS_URL, content=b"{not json")).status_code == 429
    names = [event["value"] for event in await stored_events(db)]
    assert names == ["ok0", "ok0", "ok1", "ok1", "ok2", "ok2"]


async def test_the_ingest_limit_is_its_own_bucket(
    limited: tuple[Client, Litestar], db: Database
) -> None:
    """Token-limited routes do not spend ingestion's allowance, nor the reverse."""
    client, app = limited
    await make_site(db, SITE)
    token = await make_token(db)
    for _ in range(3):
        assert (await client.post(EVENTS_URL, json=events("x"))).status_code == 202
    assert (await client.post(EVENTS_URL, json=events("x"))).status_code == 429
    # rate_limit_token is off here: the goals route is not limited at all.
    goals = await client.get(GOALS, headers=bearer(token))
    assert goals.status_code == 200
    assert limit_headers(goals) == (None, None, None)
    # The next window gives ingestion its whole allowance again.
    pin_clock(app, NOW + 60)
    again = await client.post(EVENTS_URL, json=events("y"))
    assert again.status_code == 202
    assert limit_headers(again) == ("3", "2", "30")


async def test_a_202_from_ingestion_answers_any_origin(client: Client, db: Database) -> None:
    await make_site(db, SITE)
    response = await client.post(
        EVENTS_URL,
        content=b'{"site": "sk_abc123def456", "type": "pageview", "path": "/pricing"}',
        headers={"Origin": ORIGIN, "Content-Type": "text/plain"},
    )
    assert response.status_code == 202
    assert response.json() == {"data": {"accepted": 1}}
    assert cors(response.headers) == {
        "access-control-allow-origin": "*",
        "access-control-expose-headers": EXPOSE_HEADERS,
    }
    assert [(e["kind"], e["value"]) for e in await stored_events(db)] == [("pageview", "/pricing")]


async def test_the_real_server_limits_ingestion_per_client_ip(
    database_url: str, db: Database, tmp_path: Path
) -> None:
    await db.migrate()
    await make_site(db, SITE)
    # A window of a day: the test cannot straddle two of them unless run at midnight UTC.
    server = Server(
        database_url,
        workers=2,
        cwd=tmp_path,
        env={"GOALGATE_RATE_LIMIT_INGEST": "3/day", "FORWARDED_ALLOW_IPS": "127.0.0.1"},
    )
    try:
        await asyncio.to_thread(server.wait_ready)
        async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as http:

            async def post(ip: str, name: str) -> httpx.Response:
                headers = {"X-Forwarded-For": ip, "Origin": ORIGIN}
                return await http.post(EVENTS_URL, json=events(name), headers=headers)

            first = [await post("198.51.100.1", f"a{n}") for n in range(3)]
            before = time.time()
            refused = await post("198.51.100.1", "a3")
            after = time.time()
            other = await post("198.51.100.2", "b0")
    finally:
        assert await asyncio.to_thread(server.stop) == 0
    assert [r.status_code for r in first] == [202, 202, 202]
    assert [r.headers["ratelimit-remaining"] for r in first] == ["2", "1", "0"]
    assert [cors(r.headers)["access-control-allow-origin"] for r in first] == ["*"] * 3
    assert refused.status_code == 429
    # Until the end of the UTC day, the window's end (give or take rounding).
    retry_after = int(refused.headers["retry-after"])
    assert 86_400 - after % 86_400 - 1 <= retry_after <= 86_400 - before % 86_400 + 1
    assert refused.json() == error(
        "rate_limited", f"too many requests: at most 3 per day; retry in {retry_after} s"
    )
    assert cors(refused.headers) == {
        "access-control-allow-origin": "*",
        "access-control-expose-headers": EXPOSE_HEADERS,
    }
    # Another client IP has an allowance of its own.
    assert other.status_code == 202
    assert other.headers["ratelimit-remaining"] == "2"
    names = sorted(event["value"] for event in await stored_events(db))
    assert names == ["a0", "a0", "a1", "a1", "a2", "a2", "b0", "b0"]

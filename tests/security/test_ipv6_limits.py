"""Per-IP limits count an IPv6 client by its /64, and an IPv4-mapped address as its IPv4.

Counted per address, one /64 (what an ISP hands a single subscriber) held
2^64 allowances. Every per-IP limit is checked: ingestion requests, ingestion
events, and the bucket of requests without a token (or with failing ones).
The client address is the trusted proxy's X-Forwarded-For.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from goalgate.api.ratelimit import client_key
from goalgate.app import create_app
from goalgate.settings import Settings
from goalgate.storage.db import Database
from tests.helpers.data import make_site
from tests.helpers.http import EVENTS_URL, Client
from tests.helpers.ratelimit import pin_clock

SITE = "sk_abc123def456"
EVENT = {"site": SITE, "type": "event", "name": "signup"}
GOALS = f"/api/v1/analytics/sites/{SITE}/goals"


@pytest.fixture
def limits() -> dict[str, Any]:
    return {}


@pytest.fixture
async def proxied(settings: Settings, limits: dict[str, Any]) -> AsyncIterator[Client]:
    update = {"forwarded_allow_ips": "testclient", **limits}
    app = create_app(settings.model_copy(update=update))
    async with AsyncTestClient(app=app) as client:
        pin_clock(app)
        yield client


@pytest.mark.parametrize("limits", [{"rate_limit_ingest": "2/minute"}])
async def test_ingestion_requests_are_counted_per_ipv6_64(proxied: Client, db: Database) -> None:
    await make_site(db, SITE)

    async def post(ip: str) -> int:
        response = await proxied.post(EVENTS_URL, json=EVENT, headers={"X-Forwarded-For": ip})
        return response.status_code

    statuses = [
        await post("2001:db8:1:2::1"),
        await post("2001:db8:1:2:ffff:ffff:ffff:ffff"),
        await post("2001:db8:1:2::3"),  # a third address of the same /64: over
        await post("2001:db8:1:3::1"),  # the next /64: an allowance of its own
        await post("198.51.100.7"),
        await post("::ffff:198.51.100.7"),  # IPv4-mapped: the same client
        await post("::ffff:198.51.100.7"),
    ]
    assert statuses == [202, 202, 429, 202, 202, 202, 429]


@pytest.mark.parametrize("limits", [{"rate_limit_ingest_events": "3/minute"}])
async def test_ingestion_events_are_counted_per_ipv6_64(proxied: Client, db: Database) -> None:
    await make_site(db, SITE)

    async def post(ip: str) -> int:
        batch = [EVENT, EVENT]
        response = await proxied.post(EVENTS_URL, json=batch, headers={"X-Forwarded-For": ip})
        return response.status_code

    statuses = [
        await post("2001:db8:1:2::1"),
        await post("2001:db8:1:2::2"),  # 4 events of one /64: over 3
        await post("2001:db8:1:3::1"),
    ]
    assert statuses == [202, 429, 202]


@pytest.mark.parametrize("limits", [{"rate_limit_token": "2/minute"}])
async def test_requests_without_a_valid_token_are_counted_per_ipv6_64(
    proxied: Client, db: Database
) -> None:
    await make_site(db, SITE)

    async def get(ip: str, token: str | None = None) -> int:
        headers = {"X-Forwarded-For": ip}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        return (await proxied.get(GOALS, headers=headers)).status_code

    statuses = [
        await get("2001:db8:1:2::1"),
        await get("2001:db8:1:2::2", token="gg_not_a_token"),
        await get("2001:db8:1:2::3"),
        await get("2001:db8:1:3::1"),
    ]
    assert statuses == [401, 401, 429, 401]


@pytest.mark.parametrize(
    ("ip", "key"),
    [
        ("203.0.113.9", "203.0.113.9"),
        ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"),
        ("2001:DB8:1:2::9", "2001:db8:1:2::/64"),
        ("::ffff:203.0.113.9", "203.0.113.9"),
        ("fe80::1%eth0", "fe80::/64"),
        # Not an address (a misconfigured proxy's header): cut to fit the store.
        ("x" * 500, "x" * 64),
    ],
)
def test_the_key_a_client_ip_counts_as(ip: str, key: str) -> None:
    assert client_key(ip) == key

"""Rate limits through the app: counted per token, shared across app instances, 429s.

Each test pins the limiter's clock inside one window, so the counts and the
Retry-After values are exact whatever the time of the run.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import func
from sqlmodel import select

from goalgate.app import create_app
from goalgate.settings import Settings
from goalgate.storage.db import Database
from goalgate.storage.tables import RateCounter
from tests.helpers.data import make_site, make_token
from tests.helpers.http import Client, bearer
from tests.helpers.ratelimit import NOW, limit_headers, pin_clock

GOALS = "/api/v1/analytics/sites/sk_abc123def456/goals"


@pytest.fixture(params=["database", "redis"])
def limited_settings(request: pytest.FixtureRequest, settings: Settings) -> Settings:
    update: dict[str, Any] = {"rate_limit_token": "3/minute"}
    if request.param == "redis":
        update["redis_url"] = request.getfixturevalue("redis_url")
    return settings.model_copy(update=update)


@pytest.fixture
async def limited(limited_settings: Settings) -> AsyncIterator[tuple[Client, Litestar]]:
    app = create_app(limited_settings)
    async with AsyncTestClient(app=app) as client:
        pin_clock(app)
        yield client, app


async def test_requests_over_the_token_rate_get_429_with_retry_after(
    limited: tuple[Client, Litestar], db: Database
) -> None:
    client, _ = limited
    await make_site(db)
    token = await make_token(db)
    seen = []
    for _ in range(3):
        response = await client.get(GOALS, headers=bearer(token))
        assert response.status_code == 200
        seen.append(limit_headers(response))
    assert seen == [("3", "2", "30"), ("3", "1", "30"), ("3", "0", "30")]
    refused = await client.get(GOALS, headers=bearer(token))
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "30"
    assert refused.json() == {
        "error": {
            "code": "rate_limited",
            "message": "too many requests: at most 3 per minute; retry in 30 s",
            "fields": {},
        }
    }
    # Writes are refused before they touch anything.
    post = await client.post(GOALS, json={"name": "x"}, headers=bearer(token))
    assert post.status_code == 429


async def test_each_token_has_its_own_allowance(
    limited: tuple[Client, Litestar], db: Database
) -> None:
    client, _ = limited
    await make_site(db)
    first, second = await make_token(db, name="a"), await make_token(db, name="b")
    for _ in range(3):
        assert (await client.get(GOALS, headers=bearer(first))).status_code == 200
    assert (await client.get(GOALS, headers=bearer(first))).status_code == 429
    response = await client.get(GOALS, headers=bearer(second))
    assert response.status_code == 200
    assert limit_headers(response) == ("3", "2", "30")


async def test_the_next_window_starts_afresh(
    limited: tuple[Client, Litestar], db: Database
) -> None:
    client, app = limited
    await make_site(db)
    token = await make_token(db)
    for _ in range(3):
        await client.get(GOALS, headers=bearer(token))
    assert (await client.get(GOALS, headers=bearer(token))).status_code == 429
    pin_clock(app, NOW + 60)
    response = await client.get(GOALS, headers=bearer(token))
    assert response.status_code == 200
    assert limit_headers(response) == ("3", "2", "30")


async def test_requests_without_a_token_count_per_ip(limited: tuple[Client, Litestar]) -> None:
    client, _ = limited
    statuses = [(await client.get(GOALS)).status_code for _ in range(4)]
    assert statuses == [401, 401, 401, 429]


async def test_two_app_instances_share_the_counters(
    limited_settings: Settings, db: Database
) -> None:
    """Two apps on one store behave as two workers: their counts add up."""
    await make_site(db)
    token = await make_token(db)
    first_app, second_app = create_app(limited_settings), create_app(limited_settings)
    async with AsyncTestClient(app=first_app) as first, AsyncTestClient(app=second_app) as second:
        pin_clock(first_app)
        pin_clock(second_app)
        statuses = [
            (await client.get(GOALS, headers=bearer(token))).status_code
            for client in (first, second, first, second)
        ]
    assert statuses == [200, 200, 200, 429]


async def test_limits_can_be_turned_off(settings: Settings, db: Database) -> None:
    await make_site(db)
    token = await make_token(db)
    app = create_app(settings.model_copy(update={"rate_limit_token": "0"}))
    async with AsyncTestClient(app=app) as client:
        responses = [await client.get(GOALS, headers=bearer(token)) for _ in range(30)]
    assert [r.status_code for r in responses] == [200] * 30
    assert limit_headers(responses[-1]) == (None, None, None)


async def test_unlimited_routes_carry_no_limit_headers(limited: tuple[Client, Litestar]) -> None:
    client, _ = limited
    response = await client.get("/healthz")
    assert limit_headers(response) == (None, None, None)


async def test_expired_windows_are_pruned_from_the_database(
    settings: Settings, db: Database
) -> None:
    await make_site(db)
    token = await make_token(db)
    async with db.transaction() as session:
        session.add(RateCounter(key="token:old", window_start=60, hits=5, expires_at=120))
        session.add(
            RateCounter(
                key="token:late", window_start=int(NOW) - 90, hits=1, expires_at=int(NOW) - 30
            )
        )
    app = create_app(settings.model_copy(update={"rate_limit_token": "3/minute"}))
    async with AsyncTestClient(app=app) as client:
        pin_clock(app)
        assert (await client.get(GOALS, headers=bearer(token))).status_code == 200
    async with db.session() as session:
        rows = (await session.exec(select(RateCounter.key, RateCounter.hits))).all()
    assert [(key[:6], hits) for key, hits in rows] == [("token:", 1)]


async def test_a_failing_store_lets_requests_through(settings: Settings, db: Database) -> None:
    """Redis down: the service goes on, and each worker still counts on its own."""
    await make_site(db)
    token = await make_token(db)
    # Nothing listens on port 1.
    app = create_app(
        settings.model_copy(
            update={"redis_url": "redis://127.0.0.1:1/0", "rate_limit_token": "16/minute"}
        )
    )
    async with AsyncTestClient(app=app) as client:
        pin_clock(app)
        statuses = [(await client.get(GOALS, headers=bearer(token))).status_code for _ in range(18)]
    # Every hit is counted in memory; its sync to the store fails (logged) and
    # the count is kept for the next try, so the worker still holds the limit
    # on its own. Nothing answers 5xx.
    assert statuses == [200] * 16 + [429] * 2


async def test_database_counters_are_exact_under_concurrent_increments(db: Database) -> None:
    import asyncio

    from goalgate.storage.ratelimit import DatabaseCounters

    await db.migrate()
    counters = DatabaseCounters(db)
    results = await asyncio.gather(*(counters.add([("k", 600, 660, 1)]) for _ in range(40)))
    assert sorted(total for [total] in results) == list(range(1, 41))
    async with db.session() as session:
        total = (await session.exec(select(func.sum(RateCounter.hits)))).one()
    assert total == 40


async def test_database_counters_add_thousands_of_keys_in_one_sync(db: Database) -> None:
    """A worker whose traffic comes from many addresses syncs them all at once:
    more counters than one statement carries, a key twice, totals in order."""
    from goalgate.storage.ratelimit import DatabaseCounters

    await db.migrate()
    counters = DatabaseCounters(db)
    assert await counters.add([("ip1", 600, 660, 5)]) == [5]
    counts = [(f"ip{n}", 600, 660, 1) for n in range(4500)] + [("ip7", 600, 660, 2)]
    totals = await counters.add(counts)
    assert totals[:3] == [1, 6, 1]  # ip0 new; ip1 had 5; ip2 new
    assert totals[7] == totals[-1] == 3  # ip7 twice in one sync: 1 + 2
    assert totals[8:4500] == [1] * 4492
    assert len(totals) == 4501
    async with db.session() as session:
        rows = (await session.exec(select(func.count(), func.sum(RateCounter.hits)))).one()
    assert tuple(rows) == (4500, 4500 + 5 + 2)

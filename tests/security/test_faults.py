"""Faults: a lost PostgreSQL connection, a full SQLite disk, Redis down.

- PostgreSQL: the app's server-side connections are killed twice while light
  traffic runs (``pg_terminate_backend`` on this test's own database only: the
  server is shared). No request may get a 500: a read retries once on a fresh
  connection, anything else answers 503 with Retry-After, and every event
  acknowledged with 202 is stored.
- SQLite: the database file cannot grow (``PRAGMA max_page_count`` on the
  app's writing connections): writes answer 503 with Retry-After, reads keep
  working, a token's first use included.
- Redis down: the rate limit holds per worker, ingestion and stats work, and a
  live subscription stays open (delivery is best effort).
"""

from __future__ import annotations

import asyncio
import itertools
import sqlite3
import time
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import event
from sqlalchemy.engine import make_url

from goalgate.app import create_app
from goalgate.runtime import Runtime
from goalgate.settings import Settings
from goalgate.storage.appenders import SQLiteAppender
from goalgate.storage.db import Database
from tests.helpers.data import READ, make_site, make_token, stored_events
from tests.helpers.http import EVENTS_URL, bearer, error
from tests.helpers.server import early_in_an_hour, free_port, serving
from tests.helpers.ws import opened, receive, run, subscribe

SITE = "sk_faults"
GOALS = f"/api/v1/analytics/sites/{SITE}/goals"
LIVE = f'subscription {{ conversions(siteKey: "{SITE}") {{ value }} }}'


def asyncpg_dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def terminate_backends(url: str) -> int:
    """Kill every other connection to this test's database; how many there were."""
    connection = await asyncpg.connect(asyncpg_dsn(url))
    try:
        rows = await connection.fetch(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    finally:
        await connection.close()
    return len(rows)


async def stored_names(url: str) -> set[str]:
    connection = await asyncpg.connect(asyncpg_dsn(url))
    try:
        rows = await connection.fetch(
            "SELECT k.value FROM events AS e JOIN event_keys AS k ON k.id = e.key_id "
            "WHERE k.kind = 'event'"
        )
    finally:
        await connection.close()
    return {row[0] for row in rows}


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_killed_postgres_connections_mid_traffic_give_no_500_and_lose_no_event(
    database_url: str, db: Database, tmp_path: Path
) -> None:
    await make_site(db, SITE)
    token = await make_token(db)
    env = {"GOALGATE_RATE_LIMIT_INGEST": "0", "GOALGATE_RATE_LIMIT_TOKEN": "0"}
    acknowledged: list[str] = []
    answers: list[tuple[str, int, dict[str, str], Any]] = []
    counter = itertools.count()
    async with serving(database_url, tmp_path, **env) as server:
        deadline = time.monotonic() + 5.0

        async def traffic(http: httpx.AsyncClient, lane: int) -> None:
            while time.monotonic() < deadline:
                n = next(counter)
                kind = ("ingest", "goals", "graphql", "ingest")[n % 4]
                if kind == "ingest":
                    name = f"ev-{n}"
                    response = await http.post(
                        EVENTS_URL, json={"site": SITE, "type": "event", "name": name}
                    )
                    if response.status_code == 202:
                        acknowledged.append(name)
                elif kind == "goals":
                    response = await http.get(GOALS, headers=bearer(token))
                else:
                    response = await http.post(
                        "/graphql",
                        json={"query": f'{{ site(key: "{SITE}") {{ domain }} }}'},
                        headers=bearer(token),
                    )
                answers.append(
                    (kind, response.status_code, dict(response.headers), response.json())
                )
                await asyncio.sleep(0.01)

        async def faults() -> list[int]:
            killed = []
            for at in (1.5, 3.0):
                await asyncio.sleep(max(0.0, deadline - 5.0 + at - time.monotonic()))
                killed.append(await terminate_backends(database_url))
            return killed

        async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as http:
            goal = await http.post(
                GOALS,
                json={
                    "name": "Live",
                    "type": "event",
                    "match_type": "exact",
                    "match_value": "live",
                },
                headers=bearer(token),
            )
            assert goal.status_code == 201
            _, _, _, killed = await asyncio.gather(
                traffic(http, 0), traffic(http, 1), traffic(http, 2), faults()
            )
            # Live delivery (LISTEN/NOTIFY) came back with the connections.
            async with opened(server.base_url, token) as socket:
                await subscribe(socket, "live", LIVE)
                await asyncio.sleep(0.3)
                sent = await http.post(
                    EVENTS_URL, json={"site": SITE, "type": "event", "name": "live"}
                )
                assert sent.status_code == 202
                assert await receive(socket, within=2.0) == {
                    "id": "live",
                    "type": "next",
                    "payload": {"data": {"conversions": {"value": "live"}}},
                }
    assert all(count >= 1 for count in killed)
    statuses = {status for _, status, _, _ in answers}
    assert statuses <= {200, 202, 503}
    for kind, status, headers, body in answers:
        if status == 503:
            assert (headers["retry-after"], body["error"]["code"]) == ("1", "unavailable")
        if kind == "graphql" and status == 200 and "errors" in body:
            assert [e["extensions"]["code"] for e in body["errors"]] == ["UNAVAILABLE"]
    # The service came back: each kind's last answer is a success.
    last = {kind: status for kind, status, _, _ in answers}
    assert last == {"ingest": 202, "goals": 200, "graphql": 200}
    assert len(acknowledged) >= 20
    assert set(acknowledged) <= await stored_names(database_url)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_a_full_sqlite_disk_refuses_writes_with_503_and_keeps_reads_working(
    settings: Settings, db: Database
) -> None:
    await make_site(db, SITE)
    used = await make_token(db, READ, name="used")
    fresh = await make_token(db, READ, name="fresh")
    app: Litestar = create_app(settings)
    async with AsyncTestClient(app=app) as client:
        assert (await client.get(GOALS, headers=bearer(used))).status_code == 200
        runtime: Runtime = app.state.runtime

        def full(dbapi_connection: Any, *_: Any) -> None:
            # At most the pages the file has now: any growth is SQLITE_FULL.
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA max_page_count = 1")
            cursor.close()

        event.listen(runtime.db.engine.sync_engine, "checkout", full)
        # Events are appended on a connection of their own (storage.events):
        # its file is full too.
        appender = runtime.intake.committer.appender
        assert isinstance(appender, SQLiteAppender)
        real_connect = appender._connect

        def full_appender() -> sqlite3.Connection:
            connection = real_connect()
            connection.execute("PRAGMA max_page_count = 1")
            return connection

        appender._connect = full_appender  # type: ignore[method-assign]
        big = [{"site": SITE, "type": "event", "name": f"n{i}-" + "x" * 900} for i in range(1000)]
        refused = await client.post(EVENTS_URL, json=big)
        assert (refused.status_code, refused.headers["retry-after"], refused.json()) == (
            503,
            "1",
            error("unavailable", "the events could not be stored; send them again"),
        )
        # Reads keep working, a token's first use (which would note it) included.
        for token in (used, fresh):
            listed = await client.get(GOALS, headers=bearer(token))
            assert (listed.status_code, listed.json()) == (200, {"data": []})
        graphql = await client.post(
            "/graphql", json={"query": "{ viewer { name } }"}, headers=bearer(fresh)
        )
        assert graphql.json() == {"data": {"viewer": {"name": "fresh"}}}
        event.remove(runtime.db.engine.sync_engine, "checkout", full)
        await runtime.db.engine.dispose()
        appender._connect = real_connect  # type: ignore[method-assign]
        real_connect().execute("PRAGMA max_page_count = 1073741823")
        accepted = await client.post(EVENTS_URL, json=big[:10])
        assert accepted.status_code == 202


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_with_redis_down_limits_hold_per_worker_and_live_delivery_degrades_softly(
    database_url: str, db: Database, tmp_path: Path
) -> None:
    await make_site(db, SITE)
    token = await make_token(db, READ)
    down = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    env = {"GOALGATE_REDIS_URL": down, "GOALGATE_RATE_LIMIT_TOKEN": "4/hour"}
    async with serving(database_url, tmp_path, **env) as server:
        await early_in_an_hour()
        async with opened(server.base_url, token) as socket:
            await subscribe(
                socket, "live", 'subscription { conversions(siteKey: "sk_faults") { value } }'
            )
            async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as http:
                sent = await http.post(
                    EVENTS_URL, json={"site": SITE, "type": "event", "name": "a"}
                )
                assert sent.status_code == 202
                with pytest.raises(TimeoutError):
                    await receive(socket, within=1.0)  # nothing delivered, nothing broken
                # The subscription is one operation, then 3 HTTP requests: 4 of 4.
                statuses = [
                    (await http.get(GOALS, headers=bearer(token))).status_code for _ in range(4)
                ]
                assert statuses == [200, 200, 200, 429]
            [refused] = await run(socket, "q", "{ viewer { name } }")
            assert refused["type"] == "error"
            assert refused["payload"][0]["extensions"]["code"] == "RATE_LIMITED"
        assert [e["value"] for e in await stored_events(db)] == ["a"]

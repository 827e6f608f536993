"""The live conversions subscription over graphql-transport-ws, across workers.

Two separate servers on one database stand for two workers: the subscriber
talks to one, the tracker posts to the other, and each conversion must reach
the subscriber within a second. On PostgreSQL the hub is LISTEN/NOTIFY; on
SQLite it is Redis pub/sub (a single SQLite worker needs neither).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from goalgate.services import tokens as token_service
from goalgate.storage.db import Database
from tests.helpers.data import READ, make_goal, make_site, make_token
from tests.helpers.env import REDIS_URL, skip_or_fail
from tests.helpers.http import bearer
from tests.helpers.server import Server

SUBSCRIPTION = """
subscription Live($site: String!, $goal: ID) {
  conversions(siteKey: $site, goalId: $goal) {
    goal { name }
    value
    occurredAt
    revenue { amount currency }
  }
}
"""
EVENTS = [
    {"site": "sk_live", "type": "pageview", "url": "https://shop.example/thank-you?x=1"},
    {"site": "sk_live", "type": "event", "name": "unrelated"},
    {
        "site": "sk_live",
        "type": "goal",
        "name": "purchase",
        "revenue": {"amount": "19.99", "currency": "USD"},
    },
]


async def arrange(db: Database) -> tuple[str, dict[str, str]]:
    await db.migrate()
    await make_site(db, "sk_live")
    secret = await make_token(db, READ)
    writer = await make_token(db)
    principal = await token_service.authenticate(db, bearer(writer)["Authorization"])
    ids = {}
    for name, kind, value in (
        ("Thanks", "pageview", "/thank-you"),
        ("Purchase", "custom", "purchase"),
    ):
        goal = await make_goal(
            db,
            "sk_live",
            principal=principal,
            name=name,
            type=kind,
            match_value=value,
            currency="USD" if kind == "custom" else None,
        )
        ids[name] = goal.id
    return secret, ids


@asynccontextmanager
async def subscribed(
    base_url: str, token: str | None, variables: dict[str, Any]
) -> AsyncIterator[ClientConnection]:
    url = base_url.replace("http://", "ws://") + "/graphql"
    async with connect(url, subprotocols=["graphql-transport-ws"]) as socket:  # type: ignore[list-item]
        payload = {} if token is None else {"Authorization": f"Bearer {token}"}
        await socket.send(json.dumps({"type": "connection_init", "payload": payload}))
        ack = json.loads(await asyncio.wait_for(socket.recv(), 5))
        assert ack == {"type": "connection_ack"}
        await socket.send(
            json.dumps(
                {
                    "id": "1",
                    "type": "subscribe",
                    "payload": {"query": SUBSCRIPTION, "variables": variables},
                }
            )
        )
        await asyncio.sleep(0.3)  # the subscription is registered with the hub
        yield socket


async def next_payload(socket: ClientConnection) -> dict[str, Any]:
    message = json.loads(await asyncio.wait_for(socket.recv(), 1.0))
    assert message["type"] == "next", message
    data: dict[str, Any] = message["payload"]
    return data


def started(database_url: str, tmp_path: Path, env: dict[str, str]) -> Server:
    server = Server(
        database_url, workers=1, cwd=tmp_path, env={"GOALGATE_RATE_LIMIT_INGEST": "0", **env}
    )
    server.wait_ready()
    return server


async def run_across_two_servers(
    database_url: str, db: Database, tmp_path: Path, env: dict[str, str]
) -> None:
    token, _ = await arrange(db)
    first = await asyncio.to_thread(started, database_url, tmp_path, env)
    second = await asyncio.to_thread(started, database_url, tmp_path, env)
    try:
        async with subscribed(first.base_url, token, {"site": "sk_live"}) as socket:
            sent = time.monotonic()
            async with httpx.AsyncClient() as http:
                answer = await http.post(f"{second.base_url}/api/v1/analytics/events", json=EVENTS)
            assert answer.status_code == 202
            received = [await next_payload(socket), await next_payload(socket)]
            assert time.monotonic() - sent < 1.0
        conversions = sorted(
            (r["data"]["conversions"] for r in received), key=lambda c: c["goal"]["name"]
        )
        assert [(c["goal"]["name"], c["value"], c["revenue"]) for c in conversions] == [
            ("Purchase", "purchase", {"amount": "19.99", "currency": "USD"}),
            ("Thanks", "/thank-you", None),
        ]
        assert all(c["occurredAt"].endswith("+00:00") for c in conversions)
    finally:
        await asyncio.to_thread(first.stop)
        await asyncio.to_thread(second.stop)


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_conversions_reach_a_subscriber_on_another_worker_via_postgres(
    database_url: str, db: Database, tmp_path: Path
) -> None:
    await run_across_two_servers(database_url, db, tmp_path, {})


@pytest.mark.xdist_group("redis-pubsub")
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_conversions_reach_a_subscriber_on_another_worker_via_redis(
    database_url: str, db: Database, tmp_path: Path
) -> None:
    redis_url = REDIS_URL
    if not redis_url:
        skip_or_fail("GOALGATE_TEST_REDIS_URL is not set: Redis pub/sub not tested")
        return
    await run_across_two_servers(database_url, db, tmp_path, {"GOALGATE_REDIS_URL": redis_url})


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_one_sqlite_worker_delivers_in_process_and_filters_by_goal(
    database_url: str, db: Database, tmp_path: Path
) -> None:
    token, ids = await arrange(db)
    server = await asyncio.to_thread(started, database_url, tmp_path, {})
    try:
        variables = {"site": "sk_live", "goal": ids["Purchase"]}
        async with subscribed(server.base_url, token, variables) as socket:
            async with httpx.AsyncClient() as http:
                answer = await http.post(f"{server.base_url}/api/v1/analytics/events", json=EVENTS)
            assert answer.status_code == 202
            only = await next_payload(socket)
            assert only["data"]["conversions"]["goal"] == {"name": "Purchase"}
            with pytest.raises(TimeoutError):
                await asyncio.wait_for(socket.recv(), 0.5)
        async with subscribed(server.base_url, token, {"site": "sk_nowhere"}) as socket:
            message = json.loads(await asyncio.wait_for(socket.recv(), 2))
            assert message["type"] == "next"
            [error] = message["payload"]["errors"]
            assert error["message"] == "site not found"
            assert error["extensions"] == {"code": "NOT_FOUND"}
            assert json.loads(await asyncio.wait_for(socket.recv(), 2)) == {
                "id": "1",
                "type": "complete",
            }
        url = server.base_url.replace("http://", "ws://") + "/graphql"
        for bad in ({}, {"Authorization": "Bearer gg_" + "A" * 43}):
            async with connect(url, subprotocols=["graphql-transport-ws"]) as socket:  # type: ignore[list-item]
                await socket.send(json.dumps({"type": "connection_init", "payload": bad}))
                with pytest.raises(ConnectionClosed) as closed:
                    await asyncio.wait_for(socket.recv(), 5)
                assert closed.value.rcvd is not None
                assert closed.value.rcvd.code == 4403
    finally:
        await asyncio.to_thread(server.stop)

"""A token revoked while its graphql-transport-ws socket is open stops working within 2 s.

A real server and a real socket: the token authenticates the socket, runs a
query, and keeps an idle subscription open (no event ever reaches it). Then
the token is revoked in the database, as ``goalgate tokens revoke`` does. The
idle subscription must end with UNAUTHENTICATED within 2 s, and every new
operation on the same socket (query, mutation, subscription) must be refused
from 2 s after the revocation on. A token of another site gets its
connection_ack, then NOT_FOUND on the subscription.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from goalgate.services import tokens as token_service
from goalgate.storage.db import Database
from tests.helpers.data import READ, WRITE, make_site, make_token
from tests.helpers.server import Server
from tests.helpers.ws import opened, receive, run, subscribe

SITE = "sk_revoked"
LIVE = "subscription Live($site: String!) { conversions(siteKey: $site) { value } }"
CREATE = """
mutation Create($site: String!) {
  createGoal(siteKey: $site, input: {name: "Late", type: EVENT, matchType: EXACT,
                                     matchValue: "late"}) {
    goal { name }
    userErrors { code }
  }
}
"""
REVOKED = {
    "message": "the token is invalid or revoked",
    "extensions": {"code": "UNAUTHENTICATED"},
}


@pytest.fixture
async def server(database_url: str, db: Database, tmp_path: Path) -> AsyncIterator[Server]:
    await make_site(db, SITE)
    await make_site(db, "sk_other")
    running = Server(database_url, workers=1, cwd=tmp_path, env={"GOALGATE_RATE_LIMIT_TOKEN": "0"})
    try:
        await asyncio.to_thread(running.wait_ready)
        yield running
    finally:
        await asyncio.to_thread(running.stop)


async def test_a_revoked_token_is_refused_on_its_open_socket_within_2_s(
    server: Server, db: Database
) -> None:
    row, token = await token_service.create_token(
        db, name="live", scopes=[READ, WRITE], site_keys=None
    )
    async with opened(server.base_url, token) as socket:
        answered = await run(socket, "q1", "{ viewer { name } }")
        assert answered == [
            {"id": "q1", "type": "next", "payload": {"data": {"viewer": {"name": "live"}}}},
            {"id": "q1", "type": "complete"},
        ]
        await subscribe(socket, "idle", LIVE, {"site": SITE})
        await asyncio.sleep(0.6)  # running, and has re-checked its token at least once
        await token_service.revoke_token(db, row.id)
        revoked_at = time.monotonic()

        ended = await receive(socket, within=3.0)
        elapsed = time.monotonic() - revoked_at
        # Raised between events, so the error has no path.
        assert ended == {
            "id": "idle",
            "type": "next",
            "payload": {"data": None, "errors": [REVOKED]},
        }
        assert await receive(socket) == {"id": "idle", "type": "complete"}
        assert elapsed < 2.0

        await asyncio.sleep(max(0.0, revoked_at + 2.0 - time.monotonic()))
        assert await run(socket, "q2", "{ viewer { name } }") == [
            {
                "id": "q2",
                "type": "next",
                "payload": {
                    "data": None,
                    "errors": [
                        {**REVOKED, "locations": [{"line": 1, "column": 3}], "path": ["viewer"]}
                    ],
                },
            },
            {"id": "q2", "type": "complete"},
        ]
        assert await run(socket, "m1", CREATE, {"site": SITE}) == [
            {
                "id": "m1",
                "type": "next",
                "payload": {
                    "data": None,
                    "errors": [
                        {**REVOKED, "locations": [{"line": 3, "column": 3}], "path": ["createGoal"]}
                    ],
                },
            },
            {"id": "m1", "type": "complete"},
        ]
        assert await run(socket, "s2", LIVE, {"site": SITE}) == [
            {
                "id": "s2",
                "type": "next",
                "payload": {
                    "data": None,
                    "errors": [REVOKED],
                },
            },
            {"id": "s2", "type": "complete"},
        ]
    # Nothing was written with the revoked token.
    async with db.session() as session:
        from sqlalchemy import text

        count = (await session.exec(text("SELECT count(*) FROM goals"))).one()  # type: ignore[call-overload]
    assert tuple(count) == (0,)


async def test_another_sites_token_gets_its_ack_then_not_found(
    server: Server, db: Database
) -> None:
    token = await make_token(db, READ, sites=["sk_other"])
    async with opened(server.base_url, token) as socket:
        assert await run(socket, "s1", LIVE, {"site": SITE}) == [
            {
                "id": "s1",
                "type": "next",
                "payload": {
                    "data": None,
                    "errors": [
                        {
                            "message": "site not found",
                            "extensions": {"code": "NOT_FOUND"},
                        }
                    ],
                },
            },
            {"id": "s1", "type": "complete"},
        ]

"""Each operation on a WebSocket counts against its token's rate, with its HTTP requests.

Before, a socket was one upgrade request: 60 operations on it were all
answered at a 20/minute limit. Now each query, mutation and subscription
on the socket takes one from the token's bucket (the same bucket as its HTTP
requests), and over the limit gets a RATE_LIMITED error. The tests count
against hourly limits, so that they need not wait for a fresh minute.
"""

from __future__ import annotations

import asyncio
import json
import re
import secrets
from pathlib import Path

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from goalgate.storage.db import Database
from tests.helpers.data import make_site, make_token
from tests.helpers.http import bearer
from tests.helpers.server import early_in_an_hour, serving
from tests.helpers.ws import PROTOCOL, opened, run

REFUSED = re.compile(r"too many requests: at most 20 per hour; retry in (\d+) s")


def refusal_of(messages: list[dict]) -> int | None:
    """The retry-after of a RATE_LIMITED refusal, checking its shape; None if not refused.

    A query or mutation is refused with an ``error`` message; a subscription
    with one ``next`` carrying the error, then ``complete``.
    """
    if messages[0]["type"] == "error":
        [message] = messages
        errors = message["payload"]
    else:
        errors = messages[0]["payload"].get("errors", [])
    codes = [error["extensions"]["code"] for error in errors]
    if "RATE_LIMITED" not in codes:
        return None
    [error] = errors
    match = REFUSED.fullmatch(error["message"])
    assert match is not None, error["message"]
    retry_after = int(match.group(1))
    assert error == {
        "message": error["message"],
        "extensions": {"code": "RATE_LIMITED", "retryAfter": retry_after},
    }
    assert 1 <= retry_after <= 3600
    if messages[0]["type"] == "next":
        assert messages[1:] == [{"id": messages[0]["id"], "type": "complete"}]
    return retry_after


async def test_socket_operations_share_the_tokens_http_allowance(
    database_url: str, db: Database, tmp_path: Path
) -> None:
    await make_site(db, "sk_rl")
    token = await make_token(db)
    async with serving(database_url, tmp_path, GOALGATE_RATE_LIMIT_TOKEN="20/hour") as server:
        await early_in_an_hour()
        async with httpx.AsyncClient(base_url=server.base_url) as http:
            for _ in range(5):
                response = await http.post(
                    "/graphql", json={"query": "{ viewer { name } }"}, headers=bearer(token)
                )
                assert response.status_code == 200
            answered = refused = 0
            async with opened(server.base_url, token) as socket:
                for n in range(60):
                    kind = ("query", "mutation", "subscription")[n % 3]
                    if kind == "query":
                        document = "{ viewer { name } }"
                    elif kind == "mutation":
                        document = (
                            'mutation { deleteGoal(siteKey: "sk_rl", id: "x") { deletedGoalId } }'
                        )
                    else:
                        document = 'subscription { conversions(siteKey: "sk_nowhere") { value } }'
                    messages = await run(socket, f"op{n}", document)
                    if refusal_of(messages) is not None:
                        refused += 1
                    else:
                        assert messages[-1] == {"id": f"op{n}", "type": "complete"}
                        answered += 1
            assert (answered, refused) == (15, 45)
            # The socket used the bucket up for HTTP too.
            response = await http.get("/api/v1/analytics/sites/sk_rl/goals", headers=bearer(token))
            assert response.status_code == 429
            assert response.json()["error"]["code"] == "rate_limited"


async def refused_socket(base_url: str, token: str) -> int:
    """The close code a socket gets for ``token`` in its connection_init."""
    url = base_url.replace("http://", "ws://") + "/graphql"
    async with connect(url, subprotocols=[PROTOCOL]) as socket:  # type: ignore[list-item]
        init = {"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}
        await socket.send(json.dumps(init))
        with pytest.raises(ConnectionClosed) as closed:
            await asyncio.wait_for(socket.recv(), 5)
    assert closed.value.rcvd is not None
    return closed.value.rcvd.code


async def test_fake_tokens_on_connection_init_count_against_the_ip(
    database_url: str, db: Database, tmp_path: Path
) -> None:
    await make_site(db, "sk_rl")
    valid = await make_token(db)
    async with serving(database_url, tmp_path, GOALGATE_RATE_LIMIT_TOKEN="3/hour") as server:
        await early_in_an_hour()
        codes = [
            await refused_socket(server.base_url, "gg_" + secrets.token_urlsafe(32))
            for _ in range(3)
        ]
        assert codes == [4403, 4403, 4403]
        async with httpx.AsyncClient(base_url=server.base_url) as http:
            response = await http.get(
                "/api/v1/analytics/sites/sk_rl/goals",
                headers=bearer("gg_" + secrets.token_urlsafe(32)),
            )
        assert response.status_code == 429
        # The IP used its bucket up: even a valid token it has not used is refused.
        assert await refused_socket(server.base_url, valid) == 4403

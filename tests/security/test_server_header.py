"""No response of a real server names the software behind it (no ``Server`` header).

Issue #11: ``Server: uvicorn`` was sent on every response. The header is added
by uvicorn itself, after the app has answered, so only the server's
configuration can drop it: ``uvicorn.run(..., server_header=False)`` in
``cli.serve``.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx

from tests.helpers.server import Server

# One of each kind of answer: plain route, readiness, a client error on each
# face, an unknown route.
REQUESTS = [
    ("GET", "/healthz", None, 200),
    ("GET", "/readyz", None, 200),
    ("POST", "/api/v1/analytics/events", b"{", 400),
    ("POST", "/graphql", b'{"query": "{ __typename }"}', 200),
    ("GET", "/api/v1/analytics/sites/sk_nope/goals", None, 401),
    ("GET", "/nope", None, 404),
]


async def test_a_real_server_sends_no_server_header(tmp_path: Path) -> None:
    server = Server(f"sqlite+aiosqlite:///{tmp_path / 'goalgate.db'}", workers=1, cwd=tmp_path)
    try:
        await asyncio.to_thread(server.wait_ready)
        async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as client:
            answers = [
                await client.request(
                    method, path, content=body, headers={"Content-Type": "application/json"}
                )
                for method, path, body, _ in REQUESTS
            ]
    finally:
        # One worker: uvicorn re-raises SIGTERM once shut down, so no exit code 0.
        await asyncio.to_thread(server.stop)
    assert [a.status_code for a in answers] == [status for *_, status in REQUESTS]
    assert [a.headers.get("server") for a in answers] == [None] * len(REQUESTS)

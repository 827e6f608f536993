"""``goalgate serve --workers 2`` for real: concurrent clients, then a clean stop."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx

from goalgate.storage.db import Database
from tests.helpers.data import make_site, make_token
from tests.helpers.http import bearer, goal_body
from tests.helpers.server import Server

CLIENTS = 40


async def test_two_workers_serve_concurrent_clients_and_stop_cleanly(
    database_url: str, db: Database, tmp_path: Path
) -> None:
    # The server migrates once before its workers start; this test needs the schema
    # earlier only to arrange a site and a token.
    await db.migrate()
    site = await make_site(db)
    token = await make_token(db)
    server = Server(database_url, workers=2, cwd=tmp_path)
    workers: list[int] = []
    try:
        await asyncio.to_thread(server.wait_ready)
        workers = server.worker_pids()
        assert len(workers) == 2
        url = f"{server.base_url}/api/v1/analytics/sites/{site}/goals"
        async with httpx.AsyncClient(headers=bearer(token), timeout=30) as client:
            created = await asyncio.gather(
                *(
                    client.post(url, json=goal_body(name=f"Goal {n}", match_value=f"e{n}"))
                    for n in range(CLIENTS)
                )
            )
            listed = await asyncio.gather(*(client.get(url) for _ in range(CLIENTS)))
        assert [r.status_code for r in created] == [201] * CLIENTS
        assert [r.status_code for r in listed] == [200] * CLIENTS
        names = sorted(goal["name"] for goal in listed[-1].json()["data"])
        assert names == sorted(f"Goal {n}" for n in range(CLIENTS))
        assert server.worker_pids() == workers  # no worker died and was replaced
    finally:
        code = await asyncio.to_thread(server.stop)
    assert code == 0, server.log.read_text()
    log = server.log.read_text()
    assert [f"Finished server process [{pid}]" in log for pid in workers] == [True, True]
    assert "Stopping parent process" in log

"""Several processes write one database at once: nothing fails, nothing is lost.

On SQLite every write transaction begins IMMEDIATE, so writers queue on the
busy timeout; on PostgreSQL the goal being updated is locked for the update.
Either way the shared goal's version must count every update exactly, and
every event batch must be stored whole.

The writers: PROCESSES processes on the service layer (goals, renames of one
shared goal, event batches through the group commit), and at the same time a
two-worker server taking goals and event batches over HTTP from HTTP_CLIENTS
clients.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

import httpx
from sqlalchemy import text

from goalgate.services import goals as goal_service
from goalgate.storage.db import Database
from tests.concurrency.writer import SHARED_EACH, batch_size
from tests.helpers.data import EVERY_SITE, make_goal, make_site, make_token, sites_of
from tests.helpers.http import EVENTS_URL, bearer, goal_body
from tests.helpers.server import Server

PROCESSES = 4
GOALS_EACH = 25
HTTP_CLIENTS = 4
HTTP_ROUNDS = 25
HTTP_BATCH = 10
ROOT = Path(__file__).resolve().parents[2]
NO_LIMITS = {
    "GOALGATE_RATE_LIMIT_INGEST": "0",
    "GOALGATE_RATE_LIMIT_INGEST_EVENTS": "0",
    "GOALGATE_RATE_LIMIT_TOKEN": "0",
    "GOALGATE_MAX_NEW_KEYS_PER_DAY": "0",
}


def src_env() -> dict[str, str]:
    """The environment for a child: this checkout's src and tests first on the path."""
    import goalgate

    src = str(Path(goalgate.__file__).resolve().parents[1])
    return {**os.environ, "PYTHONPATH": os.pathsep.join([src, str(ROOT)])}


async def http_writer(base_url: str, token: str, site: str, client: int) -> list[tuple[int, int]]:
    """Goals and event batches over HTTP; returns each (goal, events) status pair."""
    statuses = []
    goals = f"/api/v1/analytics/sites/{site}/goals"
    async with httpx.AsyncClient(base_url=base_url, timeout=60) as http:
        for n in range(HTTP_ROUNDS):
            goal = await http.post(
                goals,
                json=goal_body(name=f"h{client}-g{n}", match_value=f"h{client}-e{n}"),
                headers=bearer(token),
            )
            events = [
                {"site": site, "type": "event", "name": f"h{client}-b{n}"},
            ] * HTTP_BATCH
            ingested = await http.post(EVENTS_URL, json=events)
            statuses.append((goal.status_code, ingested.status_code))
    return statuses


async def event_counts(db: Database) -> tuple[dict[str, int], int, int]:
    """Events per name, event keys named "shared", distinct visitors of "shared"."""
    async with db.engine.connect() as connection:
        counts = await connection.execute(
            text(
                "SELECT k.value, count(*) FROM events AS e JOIN event_keys AS k "
                "ON k.id = e.key_id GROUP BY k.value"
            )
        )
        per_name = {str(value): int(count) for value, count in counts}
        keys = await connection.execute(
            text("SELECT count(*) FROM event_keys WHERE value = 'shared'")
        )
        visitors = await connection.execute(
            text(
                "SELECT count(DISTINCT e.visitor) FROM events AS e JOIN event_keys AS k "
                "ON k.id = e.key_id WHERE k.value = 'shared'"
            )
        )
        return per_name, int(keys.scalar_one()), int(visitors.scalar_one())


async def test_concurrent_writer_processes_lose_nothing(
    database_url: str, db: Database, tmp_path: Path
) -> None:
    await db.migrate()
    site = await make_site(db)
    token = await make_token(db)
    shared = await make_goal(db, site, name="Shared", match_value="shared")
    server = Server(database_url, workers=2, cwd=tmp_path, env=NO_LIMITS)
    try:
        await asyncio.to_thread(server.wait_ready)
        writers = [
            await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "tests.concurrency.writer",
                database_url,
                site,
                str(worker),
                str(GOALS_EACH),
                shared.id,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
                env=src_env(),
                cwd=ROOT,
            )
            for worker in range(PROCESSES)
        ]
        over_http = asyncio.gather(
            *(http_writer(server.base_url, token, site, c) for c in range(HTTP_CLIENTS))
        )
        results = []
        for writer in writers:
            out, err = await asyncio.wait_for(writer.communicate(), timeout=180)
            assert writer.returncode == 0, err.decode()
            results.append(json.loads(out))
        statuses = await asyncio.wait_for(over_http, timeout=180)
    finally:
        assert await asyncio.to_thread(server.stop) == 0
    events_each = sum(batch_size(n) + SHARED_EACH for n in range(GOALS_EACH))
    assert (
        results
        == [{"created": GOALS_EACH, "renamed": GOALS_EACH, "events": events_each, "errors": []}]
        * PROCESSES
    )
    assert statuses == [[(201, 202)] * HTTP_ROUNDS] * HTTP_CLIENTS
    log = server.log.read_text()
    assert "database is locked" not in log
    assert "Traceback" not in log

    goals = await goal_service.list_goals(db.reader, sites_of(db), EVERY_SITE, site)
    names = sorted(goal.name for goal in goals)
    expected = sorted(
        ["Shared"]
        + [f"w{w}-g{n}" for w in range(PROCESSES) for n in range(GOALS_EACH)]
        + [f"h{c}-g{n}" for c in range(HTTP_CLIENTS) for n in range(HTTP_ROUNDS)]
    )
    assert names == expected
    shared_now = next(goal for goal in goals if goal.id == shared.id)
    assert shared_now.version == 1 + PROCESSES * GOALS_EACH

    per_name, shared_keys, shared_visitors = await event_counts(db)
    assert per_name == {
        "shared": PROCESSES * GOALS_EACH * SHARED_EACH,
        **{f"w{w}-b{n}": batch_size(n) for w in range(PROCESSES) for n in range(GOALS_EACH)},
        **{f"h{c}-b{n}": HTTP_BATCH for c in range(HTTP_CLIENTS) for n in range(HTTP_ROUNDS)},
    }
    # One key, and one daily salt: the same anonymous client is one visitor everywhere.
    assert (shared_keys, shared_visitors) == (1, 1)

"""Several processes write one database at once: nothing fails, nothing is lost.

On SQLite every write transaction begins IMMEDIATE, so writers queue on the
busy timeout; on PostgreSQL the goal being updated is locked for the update.
Either way the shared goal's version must count every update exactly.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

from goalgate.domain.tokens import Principal, Scope
from goalgate.services import goals as goal_service
from goalgate.storage.db import Database
from tests.factories import make_site

PROCESSES = 4
GOALS_EACH = 25
ROOT = Path(__file__).resolve().parents[2]


def src_env() -> dict[str, str]:
    """The environment for a child: this checkout's src and tests first on the path."""
    import goalgate

    src = str(Path(goalgate.__file__).resolve().parents[1])
    return {**os.environ, "PYTHONPATH": os.pathsep.join([src, str(ROOT)])}


async def test_concurrent_writer_processes_lose_nothing(database_url: str, db: Database) -> None:
    await db.migrate()
    site = await make_site(db)
    principal = Principal(
        token_id=1,
        name="t",
        scopes=frozenset({Scope.ANALYTICS_WRITE, Scope.ANALYTICS_READ}),
        site_keys=None,
    )
    async with db.write() as session:
        shared = await goal_service.create_goal(
            session,
            principal,
            site,
            name="Shared",
            type="event",
            match_type="exact",
            match_value="shared",
        )
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
    results = []
    for writer in writers:
        out, err = await asyncio.wait_for(writer.communicate(), timeout=180)
        assert writer.returncode == 0, err.decode()
        results.append(json.loads(out))
    assert results == [{"created": GOALS_EACH, "renamed": GOALS_EACH, "errors": []}] * PROCESSES
    async with db.read() as session:
        goals = await goal_service.list_goals(session, principal, site)
    names = sorted(goal.name for goal in goals)
    expected = sorted(
        ["Shared"] + [f"w{w}-g{n}" for w in range(PROCESSES) for n in range(GOALS_EACH)]
    )
    assert names == expected
    shared_now = next(goal for goal in goals if goal.id == shared.id)
    assert shared_now.version == 1 + PROCESSES * GOALS_EACH

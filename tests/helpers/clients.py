"""The docs' GraphQL client modules (docs/clients/) run by Node against a live goalgate.

Each client test (Apollo, urql) arranges the same site: a token, three goals and
two purchases; copies the docs' module, its operations and the test's check
script into one directory (with tests/node_modules linked, so Node resolves the
client's packages from there); runs the script against ``goalgate serve``; and
reads the JSON report it prints.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from goalgate.storage.db import Database
from goalgate.storage.records import GoalRecord
from tests.helpers.data import make_goal, make_site, make_token, record_events
from tests.helpers.node import NODE_MODULES, node_with, run_node
from tests.helpers.server import ROOT, serving

CLIENTS = ROOT / "docs" / "clients"
SITE = "sk_abc123def456"


@dataclass(frozen=True)
class ClientRun:
    """What a check script reported, and the goals it ran against."""

    report: dict[str, Any]
    purchase: GoalRecord
    signup: GoalRecord
    pricing: GoalRecord


async def run_docs_client(
    database_url: str,
    db: Database,
    tmp_path: Path,
    *,
    module: str,
    script: Path,
    package: str,
    what: str,
) -> ClientRun:
    """Run ``script`` with docs/clients/``module`` against a live server (skips,
    saying ``what`` did not run, without Node or ``package``)."""
    node = node_with(package, what)
    await db.migrate()
    await make_site(db, SITE)
    token = await make_token(db)
    purchase = await make_goal(
        db, SITE, name="Purchase", type="custom", match_value="purchase", currency="USD"
    )
    signup = await make_goal(db, SITE, name="Signup")
    pricing = await make_goal(db, SITE, name="Pricing", type="pageview", match_value="/pricing")
    now = datetime.now(UTC)
    await record_events(
        db,
        SITE,
        "goal",
        "purchase",
        at=[now - timedelta(hours=2), now - timedelta(hours=1)],
        visitors=[1, 2],
        revenue="49.90",
        currency="USD",
    )
    work = tmp_path / Path(module).stem
    work.mkdir()
    for source in (CLIENTS / module, CLIENTS / "operations.graphql", script):
        shutil.copy(source, work / source.name)
    os.symlink(NODE_MODULES, work / "node_modules")
    async with serving(database_url, tmp_path) as server:
        done = await run_node(
            node,
            [work / script.name, f"{server.base_url}/graphql", token, SITE, purchase.id],
            cwd=work,
        )
    assert done.returncode == 0, done.stderr
    return ClientRun(json.loads(done.stdout), purchase, signup, pricing)

"""graphql-http's server audit (GraphQL over HTTP conformance) against a real ``goalgate serve``.

The audit is the npm package pinned in tests/package.json (``make test`` runs
``npm ci`` there); tests/integration/graphql/graphql_http_audit.mjs runs it
with and without a bearer token and prints the results as JSON.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import subprocess
from pathlib import Path

from goalgate.storage.db import Database
from tests.helpers.data import make_token
from tests.helpers.env import skip_or_fail
from tests.helpers.server import ROOT, Server

SCRIPT = Path(__file__).with_name("graphql_http_audit.mjs")
NODE_MODULES = ROOT / "tests" / "node_modules"


async def test_graphql_http_server_audit_passes_with_and_without_a_token(
    database_url: str, db: Database, tmp_path: Path
) -> None:
    node = shutil.which("node")
    if node is None:
        skip_or_fail("node is not installed: the graphql-http audit of /graphql did not run")
    assert node is not None
    assert (NODE_MODULES / "graphql-http").is_dir(), (
        "tests/node_modules has no graphql-http: run `make test` (or `npm ci` in tests/)"
    )
    await db.migrate()
    token = await make_token(db, name="audit")
    server = Server(database_url, workers=1, cwd=tmp_path)
    try:
        await asyncio.to_thread(server.wait_ready)
        done = await asyncio.to_thread(
            subprocess.run,
            [node, str(SCRIPT), f"{server.base_url}/graphql"],
            capture_output=True,
            text=True,
            timeout=300,
            env={**os.environ, "GOALGATE_AUDIT_TOKEN": token},
            check=False,
        )
    finally:
        code = server.stop()
    # one uvicorn process re-raises the SIGTERM it handled, after a clean shutdown
    assert code in (0, -signal.SIGTERM), server.log.read_text()
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert sorted(report) == ["anonymous", "token"]
    for caller, results in report.items():
        counts = {
            status: sum(result["status"] == status for result in results)
            for status in ("ok", "notice", "warn", "error")
        }
        failing = [
            f"{result['status']} {result['id']} {result['name']}: {result['reason']}"
            for result in results
            if result["status"] != "ok"
        ]
        # graphql-http 1.23.1 has 61 server audits; every one passes, MAYs included.
        assert counts == {"ok": 61, "notice": 0, "warn": 0, "error": 0}, (caller, failing)
    # No client mistake the audit made left a traceback in the server's log.
    assert "Traceback" not in server.log.read_text()

"""A Python client generated from the served document works as is, with only a token.

openapi-python-client generates the client into the test's directory from a real
``goalgate serve``'s /schema/openapi.json; the test imports it and lists,
creates, records events and reads stats through it, as a user of it would.
"""

from __future__ import annotations

import asyncio
import importlib
import signal
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest

from goalgate.storage.db import Database
from tests.helpers.data import make_site, make_token
from tests.helpers.server import Server

PACKAGE = "goalgate_generated_client"
SITE = "sk_demo"


def generate(document: bytes, into: Path) -> None:
    spec = into / "openapi.json"
    spec.write_bytes(document)
    config = into / "generator.yaml"
    config.write_text("post_hooks: []\n")  # no formatter run: the test needs none
    command = [sys.executable, "-m", "openapi_python_client", "generate", "--meta", "none"]
    result = subprocess.run(
        [
            *command,
            "--path",
            str(spec),
            "--config",
            str(config),
            "--output-path",
            str(into / PACKAGE),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    # The one thing it leaves out: the text/plain form of the ingestion body,
    # which only browsers need; the JSON form is generated.
    assert "Endpoint will not be generated" not in result.stdout, result.stdout


@pytest.fixture
def generated(tmp_path: Path) -> Iterator[Any]:
    """Import the generated package (after ``generate`` wrote it) and forget it afterwards."""
    loaded: dict[str, ModuleType] = {}

    def load(name: str) -> ModuleType:
        if str(tmp_path) not in sys.path:
            sys.path.insert(0, str(tmp_path))
        loaded[name] = importlib.import_module(f"{PACKAGE}.{name}" if name else PACKAGE)
        return loaded[name]

    yield load
    if str(tmp_path) in sys.path:
        sys.path.remove(str(tmp_path))
    for name in [n for n in sys.modules if n == PACKAGE or n.startswith(PACKAGE + ".")]:
        del sys.modules[name]


async def test_a_generated_client_lists_creates_records_and_reads_stats(
    database_url: str, db: Database, tmp_path: Path, generated: Any
) -> None:
    await db.migrate()
    await make_site(db, SITE)
    token = await make_token(db)
    server = Server(database_url, workers=1, cwd=tmp_path)
    try:
        await asyncio.to_thread(server.wait_ready)
        async with httpx.AsyncClient() as http:
            document = (await http.get(f"{server.base_url}/schema/openapi.json")).content
        await asyncio.to_thread(generate, document, tmp_path)

        client_module = generated("")
        goals = generated("api.goals")
        for name in ("list_goals", "create_goal", "get_goal_stats"):
            generated(f"api.goals.{name}")
        record_events = generated("api.ingestion.record_events")
        models = generated("models")
        configured = client_module.AuthenticatedClient(base_url=server.base_url, token=token)
        async with configured as client:
            listed = await goals.list_goals.asyncio_detailed(SITE, client=client)
            assert listed.status_code == 200
            assert listed.parsed == models.GoalListEnvelope(data=[])

            created = await goals.create_goal.asyncio_detailed(
                SITE,
                client=client,
                body=models.GoalCreateBody(
                    name="Purchase",
                    type_=models.GoalCreateBodyType.CUSTOM,
                    match_type=models.GoalCreateBodyMatchType.EXACT,
                    match_value="purchase",
                    currency="USD",
                ),
            )
            assert created.status_code == 201
            goal = created.parsed.data
            assert isinstance(goal, models.GoalOut)
            assert (goal.name, goal.type_, goal.match_type, goal.match_value, goal.currency) == (
                "Purchase",
                models.GoalOutType.CUSTOM,
                models.GoalOutMatchType.EXACT,
                "purchase",
                "USD",
            )
            assert created.headers["etag"] == '"v1"'

            duplicate = await goals.create_goal.asyncio_detailed(
                SITE,
                client=client,
                body=models.GoalCreateBody(
                    name="purchase",
                    type_=models.GoalCreateBodyType.EVENT,
                    match_type=models.GoalCreateBodyMatchType.EXACT,
                    match_value="buy",
                ),
            )
            assert duplicate.status_code == 409
            assert isinstance(duplicate.parsed, models.ErrorEnvelope)
            assert duplicate.parsed.error.code == "conflict"
            assert duplicate.parsed.error.fields.to_dict() == {"name": "taken"}

            # A backfilled purchase (the token may write), and a batch of two from now.
            yesterday = datetime.now(UTC) - timedelta(days=1)
            one = await record_events.asyncio_detailed(
                client=client,
                body=models.Event(
                    site=SITE,
                    type_=models.EventType.GOAL,
                    name="purchase",
                    revenue=models.Revenue(amount="49.00", currency="USD"),
                    visitor_id="demo-user-1",
                    timestamp=yesterday,
                ),
            )
            assert one.status_code == 202
            assert one.parsed == models.AcceptedEnvelope(data=models.Accepted(accepted=1))
            batch = await record_events.asyncio_detailed(
                client=client,
                body=[
                    models.Event(
                        site=SITE,
                        type_=models.EventType.GOAL,
                        name="purchase",
                        revenue=models.Revenue(amount=19, currency="usd"),
                        visitor_id="demo-user-2",
                    ),
                    models.Event(site=SITE, type_=models.EventType.PAGEVIEW, path="/pricing"),
                ],
            )
            assert batch.status_code == 202
            assert batch.parsed == models.AcceptedEnvelope(data=models.Accepted(accepted=2))

            stats = await goals.get_goal_stats.asyncio_detailed(
                SITE, goal.id, client=client, period=models.GetGoalStatsPeriod.DAYS_7
            )
            assert stats.status_code == 200
            assert stats.parsed == models.StatsEnvelope(
                data=models.StatsOut(conversions=2, unique_conversions=2, revenue=68.0)
            )
            assert (
                stats.content
                == b'{"data":{"conversions":2,"unique_conversions":2,"revenue":68.00}}'
            )

        unknown = client_module.AuthenticatedClient(base_url=server.base_url, token="gg_nope")
        async with unknown as anonymous:
            refused = await goals.list_goals.asyncio_detailed(SITE, client=anonymous)
        assert refused.status_code == 401
        assert refused.parsed.error.code == "unauthenticated"
    finally:
        code = await asyncio.to_thread(server.stop)
    # One uvicorn process re-raises the SIGTERM it handled, after a clean shutdown.
    assert code in (0, -signal.SIGTERM), server.log.read_text()
    assert "Application shutdown complete." in server.log.read_text()

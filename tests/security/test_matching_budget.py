"""Matching never blocks the event loop, and has a time budget.

A site has pageviews of 10,000 distinct 1 KB paths. A regular
expression like ``a.{100}b.{100}c`` costs RE2 about 2 ms per such path, so
matching it against all of them takes about 20 s: before, a read token
froze the worker that long (``/healthz`` waited). Now the matching runs on a
worker thread and stops at the budget (2 s by default; 0.5 s here, set the
way an operator would, so that each of the three refusals costs the suite
half a second): the preview gets a 422 ``budget_exceeded`` naming it, GraphQL
a userError or BAD_USER_INPUT, and ``/healthz`` answers within a second all
along."""

from __future__ import annotations

import asyncio
import itertools
import random
import string
import time
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text

from goalgate.storage.db import Database
from tests.helpers.data import READ, WRITE, insert_events, make_site, make_token
from tests.helpers.http import bearer
from tests.helpers.server import serving

SITE = "sk_budget"
PATHS = 10_000
BUDGET_S = "0.5"
SLOW = "a.{100}b.{100}c"
FAULT = (
    f"matching this goal against the site's {PATHS} distinct values took longer than "
    f"the {BUDGET_S} s budget (GOALGATE_MATCH_BUDGET_S); try a simpler pattern"
)


def paths(seed: int = 11) -> list[str]:
    """PATHS distinct 1000-character paths ("/" and 999 random letters)."""
    rng = random.Random(seed)
    # randbytes and translate: 50 million rng.choices calls took ~10 s.
    letters = bytes(string.ascii_lowercase.encode()[byte % 26] for byte in range(256))
    return ["/" + rng.randbytes(999).translate(letters).decode() for _ in range(PATHS)]


async def plant(db: Database) -> None:
    """One pageview of each path, through the product's writer (write_events).

    Sending them through the ingestion API (50 requests of 1 MB) took most of
    this test's half a minute, and is not what it is about. On PostgreSQL the
    first chunk is small and the statistics are refreshed after it (see
    ``analyze``): 5,000 keys written into an empty table took 25 s, not 1 s.
    """
    now = int(time.time() * 1000)
    every = paths()
    bounds = [0, 1_000, 4_000, 7_000, PATHS]
    for number, (start, stop) in enumerate(itertools.pairwise(bounds)):
        chunk = [("pageview", path, now, 1, None) for path in every[start:stop]]
        await insert_events(db, SITE, chunk)
        if db.dialect == "postgresql" and number in {0, 1}:
            await analyze(db)


async def analyze(db: Database) -> None:
    """Refresh PostgreSQL's statistics of the key dictionary while it grows fast.

    Planted in a minute from nothing, the table outruns autovacuum: with the
    statistics of an empty table the planner looks new keys up through the
    (site, kind, id) index, filtering every key of the site, and each batch
    gets slower than the last (seconds per batch by 10,000 keys).
    """
    async with db.engine.connect() as connection:
        await connection.execute(text("ANALYZE event_keys"))
        await connection.commit()


async def while_healthz_is_watched(base_url: str, work: Any) -> tuple[Any, float, int]:
    """Run ``work`` while /healthz is asked every 50 ms; (its result, slowest answer, answers)."""
    done = asyncio.Event()
    slowest, answers = 0.0, 0

    async def watch() -> None:
        nonlocal slowest, answers
        async with httpx.AsyncClient(base_url=base_url, timeout=30) as probe:
            while not done.is_set():
                started = time.monotonic()
                response = await probe.get("/healthz")
                assert response.status_code == 200
                slowest = max(slowest, time.monotonic() - started)
                answers += 1
                await asyncio.sleep(0.05)

    watcher = asyncio.create_task(watch())
    try:
        result = await work
    finally:
        done.set()
        await watcher
    return result, slowest, answers


async def test_a_slow_regex_over_10k_long_paths_hits_the_budget_and_healthz_answers(
    database_url: str, db: Database, tmp_path: Path
) -> None:
    await make_site(db, SITE)
    token = await make_token(db, READ)
    writer = await make_token(db, WRITE, name="writer")
    await plant(db)
    async with (
        serving(database_url, tmp_path, GOALGATE_MATCH_BUDGET_S=BUDGET_S) as server,
        httpx.AsyncClient(base_url=server.base_url, timeout=120) as http,
    ):
        preview = http.post(
            f"/api/v1/analytics/sites/{SITE}/goals/preview",
            json={"type": "pageview", "match_type": "regex", "match_value": SLOW},
            headers=bearer(token),
        )
        started = time.monotonic()
        response, slowest, answers = await while_healthz_is_watched(server.base_url, preview)
        took = time.monotonic() - started
        assert (response.status_code, response.json()) == (
            422,
            {
                "error": {
                    "code": "budget_exceeded",
                    "message": "matching is over its time budget",
                    "fields": {"match_value": FAULT},
                }
            },
        )
        assert slowest < 1.0
        assert answers >= 5  # asked every 50 ms while the 0.5 s of matching ran
        assert took < 10.0

        query = """
            query($site: String!, $pattern: String!) {
              previewGoal(siteKey: $site, input: {type: PAGEVIEW, matchType: REGEX,
                                                  matchValue: $pattern}) {
                stats { conversions }
                userErrors { code field message }
              }
            }
            """
        graphql = http.post(
            "/graphql",
            json={"query": query, "variables": {"site": SITE, "pattern": "b.{100}c.{100}d"}},
            headers=bearer(token),
        )
        response, slowest, _ = await while_healthz_is_watched(server.base_url, graphql)
        assert response.json() == {
            "data": {
                "previewGoal": {
                    "stats": None,
                    "userErrors": [
                        {"code": "INVALID", "field": ["input", "matchValue"], "message": FAULT}
                    ],
                }
            }
        }
        assert slowest < 1.0
        # A cheap pattern over the same keys is answered (on a thread, within budget).
        cheap = await http.post(
            f"/api/v1/analytics/sites/{SITE}/goals/preview",
            json={"type": "pageview", "match_type": "contains", "match_value": "zzzzzz"},
            headers=bearer(token),
        )
        assert cheap.status_code == 200

        # A saved goal's stats over the same keys: a BAD_USER_INPUT error in GraphQL.
        created = await http.post(
            f"/api/v1/analytics/sites/{SITE}/goals",
            json={
                "name": "Slow",
                "type": "pageview",
                "match_type": "regex",
                "match_value": "c.{100}d.{100}e",
            },
            headers=bearer(writer),
        )
        assert created.status_code == 201
        stats = http.post(
            "/graphql",
            json={
                "query": "query($site: String!, $id: ID!) "
                "{ goal(siteKey: $site, id: $id) { stats { conversions } } }",
                "variables": {"site": SITE, "id": created.json()["data"]["id"]},
            },
            headers=bearer(token),
        )
        response, slowest, _ = await while_healthz_is_watched(server.base_url, stats)
        assert response.json() == {
            # Goal.stats is nullable: the error nulls the stats alone.
            "data": {"goal": {"stats": None}},
            "errors": [
                {
                    "message": f"matching is over its time budget (match_value: {FAULT})",
                    "locations": [{"line": 1, "column": 67}],
                    "path": ["goal", "stats"],
                    "extensions": {
                        "code": "BAD_USER_INPUT",
                        "arguments": {"match_value": FAULT},
                    },
                }
            ],
        }
        assert slowest < 1.0

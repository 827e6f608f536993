"""A hostile referrer host cannot freeze ingestion: /healthz answers within 1 s throughout.

The review's attack: one anonymous request of 120 events whose referrer hosts
are 4,000 one-letter labels (8 KB URLs, within every limit) held a worker's
event loop ~10 s (every suffix of the labels was joined and looked up). A host
no DNS name could be is no referral; the events are stored all the same.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import httpx
import pytest

from goalgate.storage.db import Database
from tests.helpers.data import make_site, make_token
from tests.helpers.http import EVENTS_URL, bearer, goal_body
from tests.helpers.server import serving

SITE = "sk_abc123def456"
HOSTILE_REFERRER = "https://" + ".".join(["a"] * 4000) + ".com/"
EVENTS = [{"site": SITE, "type": "event", "name": "signup", "referrer": HOSTILE_REFERRER}] * 120


# The attack is on the event loop, not on storage: one backend is enough.
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_healthz_answers_within_1s_while_hostile_referrers_are_ingested(
    database_url: str, db: Database, tmp_path: Path
) -> None:
    await db.migrate()
    await make_site(db, SITE)
    token = await make_token(db)
    async with (
        serving(database_url, tmp_path, GOALGATE_RATE_LIMIT_TOKEN="0") as server,
        httpx.AsyncClient(base_url=server.base_url, timeout=60) as http,
    ):
        created = await http.post(
            f"/api/v1/analytics/sites/{SITE}/goals", json=goal_body(), headers=bearer(token)
        )
        assert created.status_code == 201, created.text
        attacks = [asyncio.create_task(http.post(EVENTS_URL, json=EVENTS)) for _ in range(3)]
        latencies: list[float] = []
        while not all(attack.done() for attack in attacks) or not latencies:
            started = time.perf_counter()
            try:
                health = await http.get("/healthz", timeout=1.0)
            except httpx.TimeoutException:
                latencies.append(float("inf"))
                break
            latencies.append(time.perf_counter() - started)
            assert health.status_code == 200
            await asyncio.sleep(0.05)
        answers = await asyncio.gather(*attacks)
        breakdown = await http.get(
            f"/api/v1/analytics/sites/{SITE}/goals/{created.json()['data']['id']}/breakdown",
            params={"by": "source", "period": "7d"},
            headers=bearer(token),
        )
    print(f"healthz: {len(latencies)} polls, slowest {max(latencies):.3f} s")
    assert max(latencies) < 1.0, latencies
    assert [(a.status_code, a.json()) for a in answers] == [(202, {"data": {"accepted": 120}})] * 3
    # Every event is stored; a referrer no DNS name could be is no referral.
    assert breakdown.json()["data"] == [
        {
            "value": "(none)",
            "conversions": 360,
            "unique_conversions": 1,
            "revenue": None,
            "conversion_rate": 1.0,
        }
    ]

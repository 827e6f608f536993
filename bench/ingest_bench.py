"""Ingestion throughput through HTTP against raw sqlite3 executemany of the same rows.

HTTP: 4 concurrent clients POST batches of 1000 events to a real server (one
worker, SQLite, the rate limiter counting but set too high to trip); each
batch is acknowledged only once committed.
Floor: the same rows written with sqlite3's executemany into a database of the
same schema, one transaction per batch of 1000 (the same durability), in WAL
mode with synchronous=NORMAL like goalgate, keys already resolved.
"""

from __future__ import annotations

import asyncio
import random
import sqlite3
import time
from pathlib import Path

import httpx

from bench.dataset import SITE_KEY
from bench.server import serving
from goalgate.services import sites as site_service
from goalgate.storage.db import open_database

BATCH = 1000
CLIENTS = 4
PATHS = [f"/docs/{n}" for n in range(500)] + ["/", "/pricing", "/thank-you"]
NAMES = ["signup", "download", "contact_form", "play_video"]


def _batches(count: int, seed: int = 11) -> list[list[dict[str, object]]]:
    rng = random.Random(seed)
    batches = []
    for _ in range(count):
        batch: list[dict[str, object]] = []
        for _ in range(BATCH):
            visitor = f"v{rng.randrange(20_000)}"
            roll = rng.random()
            if roll < 0.8:
                batch.append(
                    {
                        "site": SITE_KEY,
                        "type": "pageview",
                        "path": rng.choice(PATHS),
                        "visitor_id": visitor,
                    }
                )
            elif roll < 0.95:
                batch.append(
                    {
                        "site": SITE_KEY,
                        "type": "event",
                        "name": rng.choice(NAMES),
                        "visitor_id": visitor,
                    }
                )
            else:
                batch.append(
                    {
                        "site": SITE_KEY,
                        "type": "goal",
                        "name": "purchase",
                        "visitor_id": visitor,
                        "revenue": {
                            "amount": f"{rng.randrange(100, 9999) / 100:.2f}",
                            "currency": "USD",
                        },
                    }
                )
        batches.append(batch)
    return batches


async def _fresh(path: Path) -> str:
    for stale in path.parent.glob(path.name + "*"):
        stale.unlink()
    url = f"sqlite+aiosqlite:///{path}"
    db = open_database(url)
    try:
        await db.migrate()
        await site_service.create_site(db, key=SITE_KEY, domain="bench.example.com", timezone="UTC")
    finally:
        await db.close()
    return url


async def _post_all(base: str, batches: list[list[dict[str, object]]]) -> float:
    queue: asyncio.Queue[list[dict[str, object]]] = asyncio.Queue()
    for batch in batches:
        queue.put_nowait(batch)

    async def client() -> None:
        async with httpx.AsyncClient(base_url=base, timeout=60) as http:
            while not queue.empty():
                batch = queue.get_nowait()
                response = await http.post("/api/v1/analytics/events", json=batch)
                if response.status_code != 202:
                    raise AssertionError(
                        f"ingestion answered {response.status_code}: {response.text[:200]}"
                    )

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(CLIENTS)))
    return time.perf_counter() - started


def _floor(path: Path, batches: list[list[dict[str, object]]]) -> float:
    """executemany of the same rows, one committed transaction per batch."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    site_id = conn.execute("SELECT id FROM sites WHERE key = ?", (SITE_KEY,)).fetchone()[0]
    keys: dict[tuple[str, str], int] = {}
    for kind, values in (("pageview", PATHS), ("event", NAMES), ("goal", ["purchase"])):
        for value in values:
            cur = conn.execute(
                "INSERT INTO event_keys (site_id, kind, value) VALUES (?, ?, ?)",
                (site_id, kind, value),
            )
            keys[(kind, value)] = int(cur.lastrowid or 0)
    rows = []
    now = int(time.time() * 1000)
    for batch in batches:
        part = []
        for n, e in enumerate(batch):
            kind = str(e["type"])
            value = str(e.get("path") or e.get("name"))
            revenue = e.get("revenue")
            micros = (
                int(float(revenue["amount"]) * 100) * 10_000 if isinstance(revenue, dict) else None
            )
            part.append(
                (
                    site_id,
                    keys[(kind, value)],
                    now + n,
                    hash(e["visitor_id"]) & 0x7FFFFFFFFFFFFFFF,
                    micros,
                    "USD" if micros else None,
                )
            )
        rows.append(part)
    started = time.perf_counter()
    for part in rows:
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(
            "INSERT INTO events (site_id, key_id, ts, visitor, revenue_micros, revenue_currency) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            part,
        )
        conn.execute("COMMIT")
    elapsed = time.perf_counter() - started
    conn.close()
    return elapsed


def measure(directory: Path, *, batches: int) -> dict[str, float]:
    """Events per second through HTTP and for the floor, and their ratio."""
    data = _batches(batches)
    events = batches * BATCH
    http_url = asyncio.run(_fresh(directory / "ingest-http.db"))
    with serving(http_url) as base:
        asyncio.run(_post_all(base, data[:2]))  # warm up: first keys, salts, connections
        http_seconds = asyncio.run(_post_all(base, data))
    asyncio.run(_fresh(directory / "ingest-floor.db"))
    floor_seconds = _floor(directory / "ingest-floor.db", data)
    stored = (
        sqlite3.connect(directory / "ingest-http.db")
        .execute("SELECT count(*) FROM events")
        .fetchone()[0]
    )
    if stored != events + 2 * BATCH:
        raise AssertionError(f"{events + 2 * BATCH} events acknowledged, {stored} stored")
    http_eps, floor_eps = events / http_seconds, events / floor_seconds
    return {
        "http_eps": http_eps,
        "floor_eps": floor_eps,
        "ratio": http_eps / floor_eps,
        "events": events,
    }

"""SIGKILL the server while clients send events: every acknowledged batch survives.

A real ``goalgate serve --workers 2`` on the test's database (a SQLite file, or
PostgreSQL's test database). Concurrent clients each POST a stream of batches,
every batch of a known size whose events all carry one unique name (client and
sequence number). Once enough batches are acknowledged, the whole process group
is SIGKILLed, with requests in flight. A new server is started on the same
database and must serve. Then, per batch:

- acknowledged with 202: all of its events are stored, exactly;
- sent but never answered (in flight at the kill): all of its events or none;
- never sent: none.

and nothing else is stored.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlalchemy import text

from goalgate.storage.db import Database
from tests.helpers.data import make_site
from tests.helpers.http import EVENTS_URL
from tests.helpers.server import Server

CLIENTS = 8
# Kill once this many batches are acknowledged (of all clients together).
KILL_AFTER_ACKS = 120
# Batch sizes cycle through these, so that groups mix small and large batches.
SIZES = (1, 7, 50, 3, 200, 20)
SITE = "sk_abc123def456"
NO_LIMITS = {
    "GOALGATE_RATE_LIMIT_INGEST": "0",
    "GOALGATE_RATE_LIMIT_INGEST_EVENTS": "0",
    "GOALGATE_RATE_LIMIT_TOKEN": "0",
    "GOALGATE_MAX_NEW_KEYS_PER_DAY": "0",
}


def marker(client: int, seq: int) -> str:
    return f"crash-c{client}-s{seq}"


def batch(client: int, seq: int) -> list[dict[str, object]]:
    size = SIZES[(client + seq) % len(SIZES)]
    name = marker(client, seq)
    return [
        {"site": SITE, "type": "event", "name": name, "visitor_id": f"v{client}-{n}"}
        for n in range(size)
    ]


@dataclass
class Ledger:
    """What each client saw: batch name -> size, by outcome."""

    acknowledged: dict[str, int] = field(default_factory=dict)
    unanswered: dict[str, int] = field(default_factory=dict)
    refused: list[str] = field(default_factory=list)


async def send_until_killed(base_url: str, client: int, ledger: Ledger) -> None:
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as http:
        seq = 0
        while True:
            events = batch(client, seq)
            name = marker(client, seq)
            try:
                response = await http.post(EVENTS_URL, json=events)
            except httpx.TransportError:
                # The server died with this request in flight (or before it was read).
                ledger.unanswered[name] = len(events)
                return
            if response.status_code != 202:
                ledger.refused.append(f"{name}: {response.status_code} {response.text[:200]}")
                return
            assert response.json() == {"data": {"accepted": len(events)}}
            ledger.acknowledged[name] = len(events)
            seq += 1


async def counts_by_name(db: Database) -> dict[str, int]:
    async with db.engine.connect() as connection:
        result = await connection.execute(
            text(
                "SELECT k.value, count(*) FROM events AS e JOIN event_keys AS k "
                "ON k.id = e.key_id WHERE k.kind = 'event' GROUP BY k.value"
            )
        )
        return {str(value): int(count) for value, count in result}


async def test_acknowledged_events_survive_a_sigkill_mid_stream(
    database_url: str, db: Database, tmp_path: Path
) -> None:
    await db.migrate()
    await make_site(db, SITE)
    server = Server(database_url, workers=2, cwd=tmp_path, env=NO_LIMITS)
    ledger = Ledger()
    try:
        await asyncio.to_thread(server.wait_ready)
        clients = [
            asyncio.create_task(send_until_killed(server.base_url, n, ledger))
            for n in range(CLIENTS)
        ]
        async with asyncio.timeout(120):
            while len(ledger.acknowledged) < KILL_AFTER_ACKS:
                assert not any(task.done() for task in clients), ledger.refused
                await asyncio.sleep(0.005)
        await asyncio.to_thread(server.kill)
        await asyncio.wait_for(asyncio.gather(*clients), timeout=60)
    finally:
        await asyncio.to_thread(server.kill)
    assert server.process.returncode == -9
    assert ledger.refused == []
    # Each client's last batch went unanswered: it was out when the server died.
    assert len(ledger.unanswered) == CLIENTS

    restarted = Server(database_url, workers=2, cwd=tmp_path, env=NO_LIMITS)
    try:
        await asyncio.to_thread(restarted.wait_ready)
        async with httpx.AsyncClient(base_url=restarted.base_url, timeout=30) as http:
            after = [{"site": SITE, "type": "event", "name": "after-restart"}] * 5
            response = await http.post(EVENTS_URL, json=after)
        assert response.status_code == 202, response.text
    finally:
        assert await asyncio.to_thread(restarted.stop) == 0

    stored = await counts_by_name(db)
    assert stored.pop("after-restart") == 5
    lost = {
        name: (size, stored.get(name, 0))
        for name, size in ledger.acknowledged.items()
        if stored.get(name) != size
    }
    assert lost == {}, f"acknowledged batches not stored whole: {lost}"
    torn = {
        name: (size, stored.get(name, 0))
        for name, size in ledger.unanswered.items()
        if stored.get(name, 0) not in (0, size)
    }
    assert torn == {}, f"unanswered batches stored in part: {torn}"
    known = ledger.acknowledged.keys() | ledger.unanswered.keys()
    assert sorted(stored.keys() - known) == []
    if db.dialect == "sqlite":
        async with db.engine.connect() as connection:
            check = (await connection.execute(text("PRAGMA integrity_check"))).scalar_one()
        assert check == "ok"

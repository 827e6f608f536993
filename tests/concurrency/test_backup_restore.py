"""``goalgate db backup`` while a real server ingests; ``db restore`` brings every
acknowledged event back (issue #25, item 4).

A ``goalgate serve --workers 2`` on a SQLite file takes batches from concurrent
clients, each batch of a known size whose events all carry one unique name. A
backup taken mid-stream holds every batch acknowledged before it started, and
each batch it holds is whole (the copy is one commit's database). A second
backup taken once the clients stopped, restored into a new data directory,
holds exactly every acknowledged batch, and a server starts on it.
"""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
from pathlib import Path

import httpx

from goalgate.storage.db import open_database
from goalgate.storage.migrations import HEAD
from tests.helpers.data import make_site
from tests.helpers.http import EVENTS_URL
from tests.helpers.server import Server, child_env

CLIENTS = 4
SIZES = (1, 7, 50, 3, 20)
SITE = "sk_backup0001"
NO_LIMITS = {
    "GOALGATE_RATE_LIMIT_INGEST": "0",
    "GOALGATE_RATE_LIMIT_INGEST_EVENTS": "0",
    "GOALGATE_RATE_LIMIT_TOKEN": "0",
    "GOALGATE_MAX_NEW_KEYS_PER_DAY": "0",
}


def size_of(client: int, seq: int) -> int:
    return SIZES[(client + seq) % len(SIZES)]


def name_of(client: int, seq: int) -> str:
    return f"backup-c{client}-s{seq}"


async def send(base_url: str, client: int, acked: dict[str, int], stop: asyncio.Event) -> None:
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as http:
        seq = 0
        while not stop.is_set():
            name = name_of(client, seq)
            events = [
                {"site": SITE, "type": "event", "name": name, "visitor_id": f"v{client}-{n}"}
                for n in range(size_of(client, seq))
            ]
            response = await http.post(EVENTS_URL, json=events)
            assert response.status_code == 202, response.text
            acked[name] = len(events)
            seq += 1


def counts_by_name(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as connection:
        rows = connection.execute(
            "SELECT k.value, count(*) FROM events AS e JOIN event_keys AS k "
            "ON k.id = e.key_id WHERE k.kind = 'event' GROUP BY k.value"
        ).fetchall()
    return {str(value): int(count) for value, count in rows}


def cli(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "goalgate.cli", *args],
        env=child_env(env.pop("url", ""), **env),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


async def wait_for_acks(acked: dict[str, int], count: int, tasks: list[asyncio.Task[None]]) -> None:
    async with asyncio.timeout(120):
        while len(acked) < count:
            assert not any(task.done() for task in tasks), [t.exception() for t in tasks]
            await asyncio.sleep(0.005)


async def test_backup_while_ingesting_then_restore_has_every_acknowledged_event(
    tmp_path: Path,
) -> None:
    live = tmp_path / "live" / "goalgate.db"
    url = f"sqlite+aiosqlite:///{live}"
    db = open_database(url)
    try:
        await db.migrate()
        await make_site(db, SITE)
    finally:
        await db.close()

    server = Server(url, workers=2, cwd=tmp_path, env=NO_LIMITS)
    acked: dict[str, int] = {}
    stop = asyncio.Event()
    try:
        await asyncio.to_thread(server.wait_ready)
        tasks = [asyncio.create_task(send(server.base_url, n, acked, stop)) for n in range(CLIENTS)]
        await wait_for_acks(acked, 40, tasks)
        before = dict(acked)
        mid = await asyncio.to_thread(cli, "db", "backup", str(tmp_path / "mid.db"), url=url)
        after = dict(acked)
        await wait_for_acks(acked, len(after) + 40, tasks)
        stop.set()
        await asyncio.wait_for(asyncio.gather(*tasks), timeout=60)
        final = await asyncio.to_thread(cli, "db", "backup", str(tmp_path / "final.db"), url=url)
    finally:
        stop.set()
        await asyncio.to_thread(server.stop)

    assert mid.returncode == 0, mid.stderr
    size = (tmp_path / "mid.db").stat().st_size
    assert (
        mid.stdout == f"backed up to {tmp_path / 'mid.db'} ({size} bytes, schema revision {HEAD})\n"
    )
    in_mid = counts_by_name(tmp_path / "mid.db")
    # Every batch acknowledged before the backup started is in it, whole...
    assert {name: in_mid.get(name) for name in before} == before
    # ...and every batch in it is whole, and was sent (acknowledged by the time
    # the backup returned, or in flight then).
    sent_by_then = {name_of(c, s) for c in range(CLIENTS) for s in range(len(after) + 1)}
    assert set(in_mid) <= sent_by_then
    for name, count in in_mid.items():
        client, seq = (int(part[1:]) for part in name.split("-")[1:])
        assert count == size_of(client, seq), name
    assert len(in_mid) < len(acked)  # the stream went on after the backup

    assert final.returncode == 0, final.stderr
    restored_dir = tmp_path / "restored"
    restored = await asyncio.to_thread(
        cli, "db", "restore", str(tmp_path / "final.db"), GOALGATE_DATA_DIR=str(restored_dir)
    )
    assert restored.returncode == 0, restored.stderr
    assert restored.stdout == (
        f"restored {tmp_path / 'final.db'} into {restored_dir / 'goalgate.db'} "
        f"(schema revision {HEAD})\n"
    )
    assert counts_by_name(restored_dir / "goalgate.db") == acked

    again = Server(f"sqlite+aiosqlite:///{restored_dir / 'goalgate.db'}", workers=1, cwd=tmp_path)
    try:
        await asyncio.to_thread(again.wait_ready)
        async with httpx.AsyncClient(base_url=again.base_url, timeout=30) as http:
            response = await http.post(
                EVENTS_URL, json=[{"site": SITE, "type": "event", "name": "after"}]
            )
        assert response.status_code == 202, response.text
    finally:
        await asyncio.to_thread(again.stop)
    assert counts_by_name(restored_dir / "goalgate.db") == {**acked, "after": 1}

"""Where visits are resolved, measured (issue #22): write time against query time.

Not a section of ``make bench``: the figures behind the choice recorded in
docs/architecture.md ("Visits"). Run with
``.venv/bin/python -m bench.visits_design [--events 1000000]``.

On the stats benchmark's large database (1M events over a year, SQLite), for
the purchase goal over the last 30 days, the median of 7 runs of:

- breakdown by source, per event (the event's own ``source_id``: before visits);
- write time, a column: the visit's source on the event row (``visit_source_id``);
- write time, a join: the visit's source read from ``visits`` by ``visit_id``;
- query time: visits derived in the statement with window functions over the
  site's events of the period and one day before (``LAG`` for the gaps, a running
  sum numbering the visits, ``FIRST_VALUE`` for the first event's source);
- ENTRY_PAGE before (a correlated subquery per event: the first pageview of the
  visitor's UTC day) and after (the ``entry_page_id`` column).

Then the write side: 2,000 single-event commits through the SQLite appender
(the group commit's path for a lone request) with and without visit tracking,
and the migration's derivation of every visit of the 1M events.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import importlib.util
import shutil
import sqlite3
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine

from bench import dataset
from goalgate.storage import appenders
from goalgate.storage import events as event_store
from goalgate.storage import visits as visit_store

OUT = Path("var/bench/visits")
ROOT = Path(__file__).resolve().parents[1]
_MIGRATION = ROOT / "src/goalgate/storage/migrations/versions/0005_visits.py"

_PER_EVENT = (
    "SELECT source_id, count(*), count(DISTINCT visitor), sum(revenue_micros) FROM events "
    "WHERE site_id = :site AND key_id = :key AND ts >= :start AND ts < :end GROUP BY source_id"
)
_COLUMN = _PER_EVENT.replace("source_id", "visit_source_id")
_JOIN = (
    "SELECT v.source_id, count(*), count(DISTINCT e.visitor), sum(e.revenue_micros) "
    "FROM events AS e JOIN visits AS v ON v.id = e.visit_id WHERE e.site_id = :site "
    "AND e.key_id = :key AND e.ts >= :start AND e.ts < :end GROUP BY v.source_id"
)
_QUERY_TIME = (
    "WITH ev AS (SELECT id, visitor, ts, key_id, source_id, revenue_micros, "
    "LAG(ts) OVER (PARTITION BY visitor ORDER BY ts, id) AS prev FROM events "
    "WHERE site_id = :site AND ts >= :start - 86400000 AND ts < :end), "
    "numbered AS (SELECT ev.*, SUM(CASE WHEN prev IS NULL OR ts - prev > 1800000 THEN 1 "
    "ELSE 0 END) OVER (PARTITION BY visitor ORDER BY ts, id) AS visit FROM ev), "
    "firsts AS (SELECT numbered.*, FIRST_VALUE(source_id) OVER (PARTITION BY visitor, visit "
    "ORDER BY ts, id) AS visit_source FROM numbered) "
    "SELECT visit_source, count(*), count(DISTINCT visitor), sum(revenue_micros) FROM firsts "
    "WHERE key_id = :key AND ts >= :start GROUP BY visit_source"
)
_ENTRY_BEFORE = (
    "SELECT (SELECT fp.page_id FROM events AS fp WHERE fp.site_id = ev.site_id "
    "AND fp.visitor = ev.visitor AND fp.ts >= ev.ts - ev.ts % 86400000 "
    "AND fp.ts < ev.ts - ev.ts % 86400000 + 86400000 AND fp.key_id = fp.page_id "
    "ORDER BY fp.ts, fp.page_id LIMIT 1) AS entry, count(*), count(DISTINCT ev.visitor) "
    "FROM events AS ev WHERE ev.site_id = :site AND ev.key_id = :key AND ev.ts >= :start "
    "AND ev.ts < :end GROUP BY entry"
)
_ENTRY_AFTER = (
    "SELECT entry_page_id, count(*), count(DISTINCT visitor) FROM events "
    "WHERE site_id = :site AND key_id = :key AND ts >= :start AND ts < :end "
    "GROUP BY entry_page_id"
)


def _median(run: Callable[[], Any], times: int = 7) -> float:
    run()  # warm the page cache
    taken = []
    for _ in range(times):
        started = time.perf_counter()
        run()
        taken.append(time.perf_counter() - started)
    return statistics.median(taken)


def _all_rows(conn: sqlite3.Connection, sql: str, params: dict[str, int]) -> list[Any]:
    return conn.execute(sql, params).fetchall()


def reads(path: Path) -> dict[str, float]:
    conn = sqlite3.connect(path)
    (site,) = conn.execute("SELECT id FROM sites WHERE key = ?", (dataset.SITE_KEY,)).fetchone()
    (key,) = conn.execute(
        "SELECT id FROM event_keys WHERE site_id = ? AND kind = 'goal' AND value = 'purchase'",
        (site,),
    ).fetchone()
    end = int(datetime.now(UTC).timestamp() * 1000)
    params = {"site": site, "key": key, "start": end - 30 * dataset.DAY_MS, "end": end}
    figures: dict[str, float] = {}
    for name, sql in (
        ("source, per event (before)", _PER_EVENT),
        ("source, write time: column on events", _COLUMN),
        ("source, write time: join visits by id", _JOIN),
        ("source, query time: window functions", _QUERY_TIME),
        ("entry page, before: correlated subquery", _ENTRY_BEFORE),
        ("entry page, write time: column", _ENTRY_AFTER),
    ):
        figures[name] = _median(functools.partial(_all_rows, conn, sql, params))
    conn.close()
    return figures


def _one_event_commits(path: Path, count: int, *, visits: bool) -> float:
    conn = sqlite3.connect(path)
    (site,) = conn.execute("SELECT id FROM sites WHERE key = ?", (dataset.SITE_KEY,)).fetchone()
    conn.close()
    appender = appenders.SQLiteAppender(str(path), 30 * 60_000)
    assign = visit_store.assign_visits

    def nothing(*args: Any, **kwargs: Any) -> None:
        return None

    if not visits:
        visit_store.assign_visits = nothing
    known: dict[event_store.KeyTriple, int] = {}
    now = int(datetime.now(UTC).timestamp() * 1000)

    async def run() -> float:
        started = time.perf_counter()
        for n in range(count):
            row = event_store.EventRow(
                key=(site, "pageview", "/pricing"),
                ts=now + n * 1000,
                visitor=n % 500,
                revenue_micros=None,
                revenue_currency=None,
                dimensions=(("page_id", (site, "pageview", "/pricing")),),
            )
            known.update(await appender.append([row], known))
        taken = time.perf_counter() - started
        await appender.close()
        return taken

    try:
        return asyncio.run(run())
    finally:
        visit_store.assign_visits = assign


def writes(small: Path, count: int) -> dict[str, float]:
    figures: dict[str, float] = {}
    for visits in (False, True, False, True, False, True):
        copy = small.with_name(f"writes-{visits}.db")
        shutil.copyfile(small, copy)
        name = f"{count:,} single-event commits, {'with' if visits else 'without'} visits"
        taken = _one_event_commits(copy, count, visits=visits)
        figures[name] = min(figures.get(name, taken), taken)
    return figures


def migration(path: Path) -> dict[str, float]:
    spec = importlib.util.spec_from_file_location("migration_0005", _MIGRATION)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as connection:
        connection.exec_driver_sql("DELETE FROM visits")
        started = time.perf_counter()
        module._derive_visits(connection, 30 * 60_000)
        taken = time.perf_counter() - started
    engine.dispose()
    return {"migration 0005: derive every visit": taken}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--base", type=int, default=100_000)
    parser.add_argument("--commits", type=int, default=2_000)
    parser.add_argument("--writes-only", action="store_true", help="only the write side")
    args = parser.parse_args()
    now_ms = int(datetime.now(UTC).timestamp() * 1000)
    total = args.base if args.writes_only else args.events
    small, large = dataset.build(OUT, base=args.base, total=total, now_ms=now_ms)
    print(f"| measured on {args.events:,} events (SQLite) | median |")
    print("|---|---|")
    figures = writes(small.path, args.commits)
    if not args.writes_only:
        figures = {**reads(large.path), **figures}
    for name, seconds in figures.items():
        print(f"| {name} | {seconds * 1000:,.1f} ms |")
    if not args.writes_only:
        for name, seconds in migration(large.path).items():
            print(f"| {name} | {seconds:,.1f} s |")


if __name__ == "__main__":
    main()

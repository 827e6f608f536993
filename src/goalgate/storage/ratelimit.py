"""Rate-limit counters in the database: one UPSERT per sync, old windows pruned.

A sync sends every counter of a worker in a single multi-row ``INSERT ... ON
CONFLICT DO UPDATE ... RETURNING`` statement, atomic on both SQLite (inside a
BEGIN IMMEDIATE transaction) and PostgreSQL (the conflicting rows are locked),
so workers never lose a count.
"""

from __future__ import annotations

import time

from sqlalchemy import delete

from goalgate.storage.db import Database
from goalgate.storage.tables import RateCounter

__all__ = ["DatabaseCounters"]

# Deleting expired windows costs a write; once a minute per process is plenty.
_PRUNE_EVERY_S = 60.0
# Four bound parameters a counter: far below SQLite's and asyncpg's limits (32766 / 32767).
_ROWS_PER_STATEMENT = 2000


class DatabaseCounters:
    """A ``services.ratelimit.CounterStore`` on the goalgate database."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._next_prune = 0.0

    async def add(self, counts: list[tuple[str, int, int, int]]) -> list[int]:
        table = RateCounter.__table__  # type: ignore[attr-defined]
        # One statement for every counter (a worker syncs hundreds at once when
        # its traffic comes from as many addresses); each (key, window) once in
        # it, as PostgreSQL's ON CONFLICT requires.
        merged: dict[tuple[str, int], dict[str, int | str]] = {}
        for key, window_start, expires_at, amount in counts:
            row = merged.setdefault(
                (key, window_start),
                {"key": key, "window_start": window_start, "hits": 0, "expires_at": expires_at},
            )
            row["hits"] = int(row["hits"]) + amount
        rows = list(merged.values())
        prune = time.monotonic() >= self._next_prune
        totals: dict[tuple[str, int], int] = {}
        async with self._db.transaction() as session:
            # Core statements on the session's connection: no ORM rows to hydrate.
            connection = await session.connection()
            for start in range(0, len(rows), _ROWS_PER_STATEMENT):
                insert = self._db.dialect.insert(table)
                statement = (
                    insert.values(rows[start : start + _ROWS_PER_STATEMENT])
                    .on_conflict_do_update(
                        index_elements=[table.c.key, table.c.window_start],
                        set_={"hits": table.c.hits + insert.excluded.hits},
                    )
                    .returning(table.c.key, table.c.window_start, table.c.hits)
                )
                for key, window_start, hits in await connection.execute(statement):
                    totals[(key, int(window_start))] = int(hits)
            if prune:
                self._next_prune = time.monotonic() + _PRUNE_EVERY_S
                oldest = min(window_start for _, window_start, _, _ in counts)
                await connection.execute(delete(table).where(table.c.expires_at <= oldest))
        return [totals[(key, window_start)] for key, window_start, _, _ in counts]

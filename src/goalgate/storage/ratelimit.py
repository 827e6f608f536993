"""Rate-limit counters in the database: one UPSERT per sync, old windows pruned.

A sync sends every counter of a worker in a single ``INSERT ... SELECT ... ON
CONFLICT DO UPDATE ... RETURNING`` statement over JSON rows
(``storage.sql.ratelimit``), atomic on both SQLite (inside a BEGIN IMMEDIATE
transaction) and PostgreSQL (the conflicting rows are locked), so workers
never lose a count.
"""

from __future__ import annotations

import time

from sqlalchemy import delete, text

from goalgate.storage.db import Database
from goalgate.storage.sql import ratelimit as sql
from goalgate.storage.tables import RateCounter

__all__ = ["DatabaseCounters"]

# Deleting expired windows costs a write; once a minute per process is plenty.
_PRUNE_EVERY_S = 60.0


class DatabaseCounters:
    """A ``services.ratelimit.CounterStore`` on the goalgate database."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._next_prune = 0.0

    async def add(self, counts: list[tuple[str, int, int, int]]) -> list[int]:
        table = RateCounter.__table__  # type: ignore[attr-defined]
        # One statement for every counter (a worker syncs hundreds at once when
        # its traffic comes from as many addresses), of one text whatever their
        # number; each (key, window) once in it, as PostgreSQL's ON CONFLICT requires.
        merged: dict[tuple[str, int], list[int]] = {}
        for key, window_start, expires_at, amount in counts:
            merged.setdefault((key, window_start), [0, expires_at])[0] += amount
        rows = sql.COUNTS.value(
            (key, window_start, hits, expires_at)
            for (key, window_start), (hits, expires_at) in merged.items()
        )
        statement = text(sql.add_counts(self._db.dialect))
        prune = time.monotonic() >= self._next_prune
        async with self._db.transaction() as session:
            connection = await session.connection()
            totals = {
                (key, int(window_start)): int(hits)
                for key, window_start, hits in await connection.execute(statement, {"counts": rows})
            }
            if prune:
                self._next_prune = time.monotonic() + _PRUNE_EVERY_S
                oldest = min(window_start for _, window_start, _, _ in counts)
                await connection.execute(delete(table).where(table.c.expires_at <= oldest))
        return [totals[(key, window_start)] for key, window_start, _, _ in counts]

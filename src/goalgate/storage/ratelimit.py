"""Rate-limit counters in the database: one UPSERT per counter and sync, old windows pruned.

Each addition is a single ``INSERT ... ON CONFLICT DO UPDATE ... RETURNING``
statement, atomic on both SQLite (inside a BEGIN IMMEDIATE transaction) and
PostgreSQL (the conflicting row is locked), so workers never lose a count. A
sync sends every counter of a worker in one transaction.
"""

from __future__ import annotations

import time

from sqlalchemy import delete

from goalgate.storage.db import Database
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
        totals = []
        prune = time.monotonic() >= self._next_prune
        async with self._db.transaction() as session:
            # Core statements on the session's connection: no ORM rows to hydrate.
            connection = await session.connection()
            for key, window_start, expires_at, amount in counts:
                statement = self._db.dialect.insert(table).values(
                    key=key, window_start=window_start, hits=amount, expires_at=expires_at
                )
                statement = statement.on_conflict_do_update(
                    index_elements=[table.c.key, table.c.window_start],
                    set_={"hits": table.c.hits + amount},
                ).returning(table.c.hits)
                totals.append(int((await connection.execute(statement)).scalar_one()))
            if prune:
                self._next_prune = time.monotonic() + _PRUNE_EVERY_S
                oldest = min(window_start for _, window_start, _, _ in counts)
                await connection.execute(delete(table).where(table.c.expires_at <= oldest))
        return totals

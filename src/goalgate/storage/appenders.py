"""The appender: how the group committer writes events, one kind per backend.

An appender commits a batch of events, with the dictionary keys they add, in
one transaction of its own. ``appender_for`` picks the fastest for the
database: on an embedded one (SQLite) a connection and a thread of its own,
elsewhere (PostgreSQL) a write session of the engine, asyncpg being
asynchronous already.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor

from goalgate.storage import sql
from goalgate.storage.db import SQLITE_WRITER_PRAGMAS, Database
from goalgate.storage.events import (
    Appender,
    EventRow,
    KeyTriple,
    event_dicts,
    insert_events,
    missing_keys,
    resolve_keys,
)

__all__ = ["SQLiteAppender", "SessionAppender", "appender_for"]


def appender_for(db: Database) -> Appender:
    """The fastest way to append events on ``db``'s backend."""
    if db.dialect.embedded:
        return SQLiteAppender(str(db.engine.url.database))
    return SessionAppender(db)


class SessionAppender:
    """Appends through a write session (PostgreSQL: asyncpg is asynchronous already)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def append(
        self, rows: Sequence[EventRow], known_keys: Mapping[KeyTriple, int]
    ) -> dict[KeyTriple, int]:
        async with self._db.transaction() as session:
            missing = missing_keys(rows, known_keys)
            resolved = await resolve_keys(session, missing) if missing else {}
            await insert_events(session, event_dicts(rows, resolved, known_keys))
        return resolved

    async def close(self) -> None:
        pass


class SQLiteAppender:
    """Appends on SQLite in one call to a thread of its own: BEGIN IMMEDIATE,
    keys, rows, COMMIT.

    Through the async session the same transaction is five or more hops to
    aiosqlite's thread, each awaited on the event loop; here the loop hands
    over the rows once and is free until the commit is done. One thread and
    one connection: SQLite takes one writer at a time anyway.
    """

    def __init__(self, path: str) -> None:
        self._path = path
        self._connection: sqlite3.Connection | None = None
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="goalgate-append")

    async def append(
        self, rows: Sequence[EventRow], known_keys: Mapping[KeyTriple, int]
    ) -> dict[KeyTriple, int]:
        missing = missing_keys(rows, known_keys)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._thread, self._append, rows, missing, known_keys)

    def _connect(self) -> sqlite3.Connection:
        if self._connection is None:
            connection = sqlite3.connect(self._path, isolation_level=None, check_same_thread=False)
            # As storage.db sets up every connection of the engine.
            for pragma in SQLITE_WRITER_PRAGMAS:
                connection.execute(pragma)
            self._connection = connection
        return self._connection

    def _append(
        self,
        rows: Sequence[EventRow],
        missing: list[KeyTriple],
        known_keys: Mapping[KeyTriple, int],
    ) -> dict[KeyTriple, int]:
        connection = self._connect()
        connection.execute("BEGIN IMMEDIATE")
        try:
            resolved = _resolve_keys(connection, missing)
            connection.executemany(sql.INSERT_EVENT, event_dicts(rows, resolved, known_keys))
            connection.execute("COMMIT")
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        return resolved

    async def close(self) -> None:
        def close_connection() -> None:
            if self._connection is not None:
                self._connection.close()
                self._connection = None

        await asyncio.get_running_loop().run_in_executor(self._thread, close_connection)
        self._thread.shutdown(wait=True)


def _resolve_keys(connection: sqlite3.Connection, missing: list[KeyTriple]) -> dict[KeyTriple, int]:
    """The ids of ``missing`` keys, added where absent (inside the caller's transaction)."""
    if not missing:
        return {}
    named = [{"site": site, "kind": kind, "value": value} for site, kind, value in missing]
    connection.executemany(sql.INSERT_KEYS, named)
    resolved: dict[KeyTriple, int] = {}
    for triple, params in zip(missing, named, strict=True):
        [(key_id,)] = connection.execute(sql.KEY_ID, params).fetchall()
        resolved[triple] = int(key_id)
    return resolved

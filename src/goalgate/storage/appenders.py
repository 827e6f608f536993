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
from typing import Any

from goalgate.storage import sql
from goalgate.storage import visits as visit_store
from goalgate.storage.db import SQLITE_WRITER_PRAGMAS, Database
from goalgate.storage.dialect import SQLITE
from goalgate.storage.events import (
    Appender,
    EventRow,
    KeyTriple,
    append_events,
    event_dicts,
    missing_keys,
    pageviews,
    resolve_keys,
)

__all__ = ["SQLiteAppender", "SessionAppender", "appender_for"]


def appender_for(db: Database, visit_timeout_ms: int) -> Appender:
    """The fastest way to append events on ``db``'s backend; visits end after
    ``visit_timeout_ms`` without an event."""
    if db.dialect.embedded:
        return SQLiteAppender(str(db.engine.url.database), visit_timeout_ms)
    return SessionAppender(db, visit_timeout_ms)


class SessionAppender:
    """Appends through a write session (PostgreSQL: asyncpg is asynchronous already)."""

    def __init__(self, db: Database, visit_timeout_ms: int) -> None:
        self._db = db
        self._timeout_ms = visit_timeout_ms

    async def append(
        self, rows: Sequence[EventRow], known_keys: Mapping[KeyTriple, int]
    ) -> dict[KeyTriple, int]:
        async with self._db.transaction() as session:
            missing = missing_keys(rows, known_keys)
            resolved = await resolve_keys(session, missing) if missing else {}
            await append_events(session, rows, {**known_keys, **resolved}, self._timeout_ms)
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

    def __init__(self, path: str, visit_timeout_ms: int) -> None:
        self._path = path
        self._timeout_ms = visit_timeout_ms
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
            dicts = event_dicts(rows, resolved, known_keys)
            visit_store.assign_visits(
                _SQLiteStatements(connection), SQLITE, dicts, pageviews(rows), self._timeout_ms
            )
            connection.executemany(sql.INSERT_EVENT, dicts)
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


class _SQLiteStatements:
    """``visit_store.Statements`` on the appender's own sqlite3 connection."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._connection = connection

    def rows(self, statement: str, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        return list(self._connection.execute(statement, params).fetchall())

    def many(self, statement: str, params: Sequence[Mapping[str, Any]]) -> None:
        if params:
            self._connection.executemany(statement, params)


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

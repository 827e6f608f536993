"""Queries of the event store: key dictionary upserts, bulk event inserts, daily salts.

Everything here runs inside a transaction the caller owns, and works the same
on SQLite and PostgreSQL: "insert if missing" is ``INSERT .. ON CONFLICT DO
NOTHING`` followed by a read, so concurrent writers (other workers, other
processes) never fail on each other's rows and always agree on the outcome.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Protocol, cast

from sqlalchemy import CursorResult, Table, delete, func, insert, select, text
from sqlmodel.ext.asyncio.session import AsyncSession

from goalgate.domain.dimensions import STORED
from goalgate.domain.goals import EventKind
from goalgate.storage import dialect
from goalgate.storage import visits as visit_store
from goalgate.storage.db import Database
from goalgate.storage.tables import Event, EventKey, VisitorSalt

__all__ = [
    "DIMENSION_COLUMNS",
    "Appender",
    "EventRow",
    "KeyTriple",
    "append_events",
    "appender_for",
    "count_events",
    "daily_salt",
    "event_dicts",
    "forget_salts_before",
    "insert_events",
    "known_keys",
    "resolve_keys",
]

# (site id, kind, value): one entry of a site's key dictionary.
KeyTriple = tuple[int, str, str]

# SQLModel does not declare __table__ to type checkers; it is there at runtime.
_EVENTS = cast(Table, Event.__table__)  # type: ignore[attr-defined]
_KEYS = cast(Table, EventKey.__table__)  # type: ignore[attr-defined]
_SALTS = cast(Table, VisitorSalt.__table__)  # type: ignore[attr-defined]
# Far below SQLite's and asyncpg's bound-parameter limits (32766 / 32767).
_IN_CHUNK = 500
# First key of the two-key advisory locks taken while adding keys to a site.
_KEY_LOCK_SPACE = 0x6767


async def _run(session: AsyncSession, statement: Any, params: Any = None) -> CursorResult[Any]:
    # Core statements go to the session's connection (same transaction):
    # SQLModel's AsyncSession.execute is deprecated in favour of exec(), which
    # is typed for ORM selects only.
    connection = await session.connection()
    result: CursorResult[Any] = await connection.execute(statement, params)
    return result


async def resolve_keys(session: AsyncSession, triples: Iterable[KeyTriple]) -> dict[KeyTriple, int]:
    """The id of each (site, kind, value), creating the missing dictionary entries."""
    wanted = sorted(set(triples))
    found = await _known_keys(session, wanted)
    missing = [triple for triple in wanted if triple not in found]
    if not missing:
        return found
    if session.get_bind().dialect.name == "postgresql":
        # Readers mirror the dictionary by "ids above the last one seen" per
        # site and kind, which needs ids to become visible in increasing order.
        # A sequence does not promise that across concurrent transactions, so
        # transactions adding keys to a site take turns (lock held to commit).
        # SQLite needs nothing: its write transactions are serial already.
        for site_id in sorted({site_id for site_id, _, _ in missing}):
            await _run(
                session,
                text("SELECT pg_advisory_xact_lock(:space, :site)"),
                {"space": _KEY_LOCK_SPACE, "site": site_id},
            )
    # Sorted rows, and only the missing ones: an attempted insert costs a
    # sequence number on PostgreSQL even when it conflicts.
    await _run(
        session,
        dialect.insert_ignoring_conflicts(session.get_bind().dialect.name, _KEYS),
        [{"site_id": s, "kind": k, "value": v} for s, k, v in missing],
    )
    found.update(await _known_keys(session, missing))
    vanished = [triple for triple in missing if triple not in found]
    if vanished:  # only the deletion of a site while recording can cause this
        raise LookupError(f"event keys vanished while being recorded: {vanished[:3]}")
    return found


async def known_keys(session: AsyncSession, triples: Sequence[KeyTriple]) -> dict[KeyTriple, int]:
    """The ids of those of ``triples`` that are in the dictionary already."""
    return await _known_keys(session, triples)


async def _known_keys(session: AsyncSession, triples: Sequence[KeyTriple]) -> dict[KeyTriple, int]:
    by_group: defaultdict[tuple[int, str], list[str]] = defaultdict(list)
    for site_id, kind, value in triples:
        by_group[(site_id, kind)].append(value)
    found: dict[KeyTriple, int] = {}
    for (site_id, kind), values in by_group.items():
        for start in range(0, len(values), _IN_CHUNK):
            result = await _run(
                session,
                select(_KEYS.c.id, _KEYS.c.value).where(
                    _KEYS.c.site_id == site_id,
                    _KEYS.c.kind == kind,
                    _KEYS.c.value.in_(values[start : start + _IN_CHUNK]),
                ),
            )
            for row in result:
                found[(site_id, kind, str(row.value))] = int(row.id)
    return found


async def insert_events(session: AsyncSession, rows: Sequence[Mapping[str, Any]]) -> None:
    """Append events (dicts of the ``events`` columns but ``id``) in one executemany."""
    if rows:
        await _run(session, insert(_EVENTS), list(rows))


async def count_events(session: AsyncSession, site_id: int) -> int:
    result = await _run(
        session, select(func.count()).select_from(_EVENTS).where(_EVENTS.c.site_id == site_id)
    )
    return int(result.scalar_one())


async def daily_salt(session: AsyncSession, day: str, candidate: str) -> str:
    """The salt of ``day``: ``candidate`` if this call created it, else the stored one.

    Every worker proposes its own random candidate; the first insert wins and
    everyone reads the winner, so all workers hash visitors alike that day.
    """
    await _run(
        session,
        dialect.insert_ignoring_conflicts(session.get_bind().dialect.name, _SALTS),
        [{"day": day, "salt": candidate}],
    )
    result = await _run(session, select(_SALTS.c.salt).where(_SALTS.c.day == day))
    return str(result.scalar_one())


async def forget_salts_before(session: AsyncSession, day: str) -> None:
    """Delete the salts of days before ``day``: their visitors can never be re-derived."""
    await _run(session, delete(_SALTS).where(_SALTS.c.day < day))


@dataclass(frozen=True, slots=True)
class EventRow:
    """One event to append: its key as (site, kind, value), not yet as an id."""

    key: KeyTriple
    ts: int
    visitor: int
    revenue_micros: int | None
    revenue_currency: str | None
    # (events column, key) of each dimension the event has a value for.
    dimensions: tuple[tuple[str, KeyTriple], ...] = ()

    def key_triples(self) -> list[KeyTriple]:
        return [self.key, *(key for _, key in self.dimensions)]


# The dimension columns of events, all written on every insert (NULL: unknown).
DIMENSION_COLUMNS = tuple(dimension.column for dimension in STORED)
_EVENT_COLUMNS = (
    "site_id",
    "key_id",
    "ts",
    "visitor",
    "revenue_micros",
    "revenue_currency",
    *DIMENSION_COLUMNS,
    *visit_store.EVENT_VISIT_COLUMNS,
)
_INSERT_EVENT_SQL = (
    f"INSERT INTO events ({', '.join(_EVENT_COLUMNS)}) "  # noqa: S608 (constant names)
    f"VALUES ({', '.join(':' + name for name in _EVENT_COLUMNS)})"
)


class Appender(Protocol):
    """Appends events, with their keys, in one transaction of its own."""

    async def append(
        self, rows: Sequence[EventRow], known_keys: Mapping[KeyTriple, int]
    ) -> dict[KeyTriple, int]:
        """Commit ``rows``; return the key ids resolved (those not in ``known_keys``)."""
        ...

    async def close(self) -> None: ...


def appender_for(db: Database, visit_timeout_ms: int) -> Appender:
    """The fastest way to append events on ``db``'s backend; visits end after
    ``visit_timeout_ms`` without an event."""
    if db.dialect == "sqlite":
        return SQLiteAppender(str(db.engine.url.database), visit_timeout_ms)
    return SessionAppender(db, visit_timeout_ms)


async def append_events(
    session: AsyncSession,
    rows: Sequence[EventRow],
    keys: Mapping[KeyTriple, int],
    visit_timeout_ms: int,
) -> None:
    """Join ``rows`` (keys resolved in ``keys``) to their visits and insert them,
    in the caller's transaction."""
    dicts = event_dicts(rows, keys, {})
    pageviews = _pageviews(rows)
    name = session.get_bind().dialect.name
    await session.run_sync(
        lambda sync: visit_store.assign_visits(
            visit_store.SessionStatements(sync), name, dicts, pageviews, visit_timeout_ms
        )
    )
    await insert_events(session, dicts)


class SessionAppender:
    """Appends through a write session (PostgreSQL: asyncpg is asynchronous already)."""

    def __init__(self, db: Database, visit_timeout_ms: int) -> None:
        self._db = db
        self._timeout_ms = visit_timeout_ms

    async def append(
        self, rows: Sequence[EventRow], known_keys: Mapping[KeyTriple, int]
    ) -> dict[KeyTriple, int]:
        async with self._db.write() as session:
            missing = sorted(_keys_of(rows) - known_keys.keys())
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
        missing = sorted(_keys_of(rows) - known_keys.keys())
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._thread, self._append, rows, missing, known_keys)

    def _connect(self) -> sqlite3.Connection:
        if self._connection is None:
            connection = sqlite3.connect(self._path, isolation_level=None, check_same_thread=False)
            # As storage.db sets up every connection of the engine.
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA busy_timeout=30000")
            connection.execute("PRAGMA synchronous=NORMAL")
            connection.execute("PRAGMA foreign_keys=ON")
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
            resolved: dict[KeyTriple, int] = {}
            if missing:
                connection.executemany(
                    "INSERT INTO event_keys (site_id, kind, value) VALUES (?, ?, ?) "
                    "ON CONFLICT DO NOTHING",
                    missing,
                )
                for site_id, kind, value in missing:
                    [(key_id,)] = connection.execute(
                        "SELECT id FROM event_keys WHERE site_id = ? AND kind = ? AND value = ?",
                        (site_id, kind, value),
                    ).fetchall()
                    resolved[(site_id, kind, value)] = int(key_id)
            dicts = event_dicts(rows, resolved, known_keys)
            visit_store.assign_visits(
                _SQLiteStatements(connection), "sqlite", dicts, _pageviews(rows), self._timeout_ms
            )
            connection.executemany(_INSERT_EVENT_SQL, dicts)
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

    def rows(self, sql: str, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        return list(self._connection.execute(sql, params).fetchall())

    def many(self, sql: str, params: Sequence[Mapping[str, Any]]) -> None:
        if params:
            self._connection.executemany(sql, params)


def _pageviews(rows: Sequence[EventRow]) -> list[bool]:
    return [row.key[1] == _PAGEVIEW for row in rows]


_PAGEVIEW = EventKind.PAGEVIEW.value


def _keys_of(rows: Sequence[EventRow]) -> set[KeyTriple]:
    return {key for row in rows for key in row.key_triples()}


def event_dicts(
    rows: Sequence[EventRow],
    resolved: Mapping[KeyTriple, int],
    known_keys: Mapping[KeyTriple, int],
) -> list[dict[str, Any]]:
    """The ``events`` column values of each row, its keys as ids (every column named)."""

    def id_of(key: KeyTriple) -> int:
        return resolved[key] if key in resolved else known_keys[key]

    dicts = []
    for row in rows:
        values: dict[str, Any] = {
            "site_id": row.key[0],
            "key_id": id_of(row.key),
            "ts": row.ts,
            "visitor": row.visitor,
            "revenue_micros": row.revenue_micros,
            "revenue_currency": row.revenue_currency,
        }
        values.update(dict.fromkeys(DIMENSION_COLUMNS))
        values.update(dict.fromkeys(visit_store.EVENT_VISIT_COLUMNS))
        for column, key in row.dimensions:
            values[column] = id_of(key)
        dicts.append(values)
    return dicts

"""Engine and session factories, the hot-read path, per-connection SQLite set-up, migration.

Two kinds of session: ``reading`` ones, and ``writing`` ones whose SQLite
transactions begin IMMEDIATE, so that concurrent writers queue on the busy
timeout instead of failing with "database is locked" when a read turns into a
write mid-transaction.

Hot reads (a token, a site, a page of goals, a stats aggregate) skip sessions
and the ORM: ``Database.reader`` runs one SQL statement and returns plain rows.
On SQLite that matters most. aiosqlite runs every operation on a thread of its
own and each hop (begin, execute, fetch, rollback) costs ~0.1-1 ms of thread
hand-off, while an indexed read of a few rows costs ~20 us. So bounded reads
(``rows``) run inline on the event loop on one ``query_only`` connection per
process, in autocommit: in WAL mode a reader never waits for a writer, and
each statement sees every commit made before it (read-your-writes across
workers). Reads whose cost grows with the data (``heavy_rows``: aggregates
over events) run on a worker thread with a connection of its own, so the loop
never waits for them. On PostgreSQL both go through a plain asyncpg pool (asyncpg
is natively asynchronous).
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
import threading
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import Connection, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

from goalgate.storage.migrations import HEAD

__all__ = ["Database", "Reader", "Row", "is_connection_lost", "open_database"]

_MIGRATIONS = Path(__file__).parent / "migrations"
_BUSY_TIMEOUT_MS = 30_000
# An inline reader must never hold the loop: in WAL mode it only waits in the
# rare recovery of the WAL index, and then not for long.
_INLINE_BUSY_TIMEOUT_MS = 250
# A server may drop idle connections: recycle them rather than ping on every
# checkout (a round trip per request).
_POOL_RECYCLE_S = 1800

Row = Sequence[Any]


class Reader(Protocol):
    """One SQL statement in, plain rows out; ``:name`` parameters on both backends."""

    dialect: str

    async def rows(self, sql: str, params: Mapping[str, Any] | None = None) -> list[Row]:
        """A bounded read (index lookups, a page of rows): cheap enough to run inline."""
        ...

    async def heavy_rows(self, sql: str, params: Mapping[str, Any] | None = None) -> list[Row]:
        """A read whose cost grows with the data: never runs on the event loop."""
        ...

    async def close(self) -> None: ...


class _SQLiteReader:
    """Reads on SQLite: inline for bounded ones, on worker threads for heavy ones."""

    dialect = "sqlite"

    def __init__(self, path: str) -> None:
        self._path = path
        self._inline: sqlite3.Connection | None = None
        self._local = threading.local()
        self._opened: list[sqlite3.Connection] = []
        self._lock = threading.Lock()

    def _connect(self, busy_timeout_ms: int) -> sqlite3.Connection:
        connection = sqlite3.connect(self._path, isolation_level=None, check_same_thread=False)
        connection.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")
        connection.execute("PRAGMA query_only=ON")
        with self._lock:
            self._opened.append(connection)
        return connection

    async def rows(self, sql: str, params: Mapping[str, Any] | None = None) -> list[Row]:
        if self._inline is None:
            self._inline = self._connect(_INLINE_BUSY_TIMEOUT_MS)
        return self._inline.execute(sql, params or {}).fetchall()

    async def heavy_rows(self, sql: str, params: Mapping[str, Any] | None = None) -> list[Row]:
        return await asyncio.to_thread(self._on_thread, sql, params or {})

    def _on_thread(self, sql: str, params: Mapping[str, Any]) -> list[Row]:
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is None:
            connection = self._local.connection = self._connect(_BUSY_TIMEOUT_MS)
        return connection.execute(sql, params).fetchall()

    async def close(self) -> None:
        with self._lock:
            opened, self._opened = self._opened, []
        for connection in opened:
            connection.close()
        self._inline = None
        self._local = threading.local()


def is_connection_lost(exc: BaseException) -> bool:
    """True for a failure of the database connection or server, not of the statement.

    A dropped connection, a server restarting or shutting down, a file that
    cannot grow (SQLITE_FULL) or stays locked: the client did nothing wrong,
    and the same request may succeed later (503).
    """
    if isinstance(exc, DBAPIError):
        if exc.connection_invalidated:
            return True
        return isinstance(exc, (OperationalError, InterfaceError))
    return isinstance(exc, (sqlite3.OperationalError, ConnectionError)) or _asyncpg_lost(exc)


def _asyncpg_lost(exc: BaseException) -> bool:
    """asyncpg's own connection failures (the PostgreSQL reader uses it directly)."""
    try:
        import asyncpg
    except ImportError:  # pragma: no cover  (depends on the installed extras)
        return False
    return isinstance(
        exc,
        (
            asyncpg.exceptions.ConnectionDoesNotExistError,
            asyncpg.exceptions.InterfaceError,
            asyncpg.exceptions.PostgresConnectionError,
            asyncpg.exceptions.CannotConnectNowError,
            asyncpg.exceptions.AdminShutdownError,
            # A pooled connection whose protocol was left mid-operation when
            # the server dropped it ("cannot switch to state 12; another
            # operation is in progress"): the connection is broken, not the
            # statement.
            asyncpg.exceptions.InternalClientError,
        ),
    )


class _PostgresReader:
    """Reads on PostgreSQL through an asyncpg pool of its own: one round trip a statement.

    SQLAlchemy's asyncpg adapter costs a BEGIN, the statement and a ROLLBACK
    per checkout (measured: ~5x a plain pooled fetch); a read of committed
    rows needs none of that. ``:name`` parameters become asyncpg's ``$n``.
    """

    dialect = "postgresql"

    def __init__(self, url: str, *, max_size: int) -> None:
        self._dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        self._max_size = max_size
        self._pool: Any = None
        self._opening = asyncio.Lock()
        self._compiled: dict[str, tuple[str, list[str]]] = {}

    async def _acquire_pool(self) -> Any:
        if self._pool is None:
            async with self._opening:
                if self._pool is None:
                    import asyncpg

                    self._pool = await asyncpg.create_pool(
                        self._dsn, min_size=1, max_size=self._max_size
                    )
        return self._pool

    def _positional(self, sql: str) -> tuple[str, list[str]]:
        found = self._compiled.get(sql)
        if found is None:
            names: list[str] = []

            def number(match: re.Match[str]) -> str:
                name = match.group(1)
                if name not in names:
                    names.append(name)
                return f"${names.index(name) + 1}"

            found = self._compiled[sql] = (_PARAMETER.sub(number, sql), names)
        return found

    async def rows(self, sql: str, params: Mapping[str, Any] | None = None) -> list[Row]:
        try:
            return await self._rows(sql, params)
        except Exception as exc:
            # A pooled connection the server dropped (restart, terminated):
            # a read changes nothing, so it is tried once more on a new one.
            if not is_connection_lost(exc):
                raise
        return await self._rows(sql, params)

    async def _rows(self, sql: str, params: Mapping[str, Any] | None) -> list[Row]:
        statement, names = self._positional(sql)
        values = [(params or {})[name] for name in names]
        pool = await self._acquire_pool()
        async with pool.acquire() as connection:
            try:
                return list(await connection.fetch(statement, *values))
            except Exception as exc:
                if is_connection_lost(exc):
                    # Never hand a broken connection to the next reader.
                    connection.terminate()
                raise

    async def heavy_rows(self, sql: str, params: Mapping[str, Any] | None = None) -> list[Row]:
        return await self.rows(sql, params)

    async def close(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            await pool.close()


# ``:name`` parameters (not the ``::`` of a cast).
_PARAMETER = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")


@dataclass(frozen=True, slots=True)
class Database:
    """The engine, its two session factories and the hot-read path; one per process."""

    engine: AsyncEngine
    reading: async_sessionmaker[AsyncSession]
    writing: async_sessionmaker[AsyncSession]
    reader: Reader

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        async with self.reading() as session:
            yield session

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncSession]:
        """A session whose transaction commits on success and rolls back on error."""
        async with self.writing() as session, session.begin():
            yield session

    async def migrate(self) -> None:
        """Bring the schema up to date (idempotent)."""
        async with self.engine.begin() as conn:
            await conn.run_sync(_upgrade)

    async def close(self) -> None:
        await self.reader.close()
        await self.engine.dispose()


def _upgrade(connection: Connection) -> None:
    """Run the migrations the database lacks; none when it is at the head already.

    Importing and starting Alembic costs ~0.2 s even when nothing is to do.
    Every process start (each worker, each CLI command) would pay it, so a
    database already at ``migrations.HEAD`` is recognised by one read of
    ``alembic_version``, and Alembic is only imported when there is work.
    """
    if _revisions(connection) == {HEAD}:
        return
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


def _revisions(connection: Connection) -> set[str]:
    if not inspect(connection).has_table("alembic_version"):
        return set()
    return set(connection.execute(text("SELECT version_num FROM alembic_version")).scalars())


def _prepare_sqlite(url: str) -> None:
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)


def open_database(url: str, *, echo: bool = False) -> Database:
    """Create the engine for ``url``; connects lazily, on first use."""
    kwargs: dict[str, Any] = {"echo": echo}
    if url.startswith("sqlite"):
        _prepare_sqlite(url)
    else:
        # A server may drop idle connections; a file cannot.
        # A dropped connection is found by the request that uses it (a 503 it
        # may retry), not by a ping on every checkout.
        kwargs.update(pool_size=10, max_overflow=10, pool_recycle=_POOL_RECYCLE_S)
    engine = create_async_engine(url, **kwargs)
    reader: Reader
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine)
        reader = _SQLiteReader(str(make_url(url).database))
    else:
        reader = _PostgresReader(url, max_size=10)
    writer = engine.execution_options(sqlite_begin="IMMEDIATE")
    return Database(
        engine=engine,
        reading=async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False),
        writing=async_sessionmaker(writer, class_=AsyncSession, expire_on_commit=False),
        reader=reader,
    )


def _configure_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take BEGIN away from the driver so that we can choose its kind below.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={_BUSY_TIMEOUT_MS}")
        # In WAL mode NORMAL survives a process crash; only power loss may cost
        # the last commits (README, "Durability").
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Connection) -> None:
        kind = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {kind}")

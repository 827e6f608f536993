"""Engine and session factories, per-connection SQLite set-up, migration.

Two kinds of ORM session: ``session()`` for reads, and ``transaction()``,
whose SQLite transactions begin IMMEDIATE, so that concurrent writers queue
on the busy timeout instead of failing with "database is locked" when a read
turns into a write mid-transaction.

The hot-read path (``Database.reader``: one statement, plain rows, no ORM)
is ``storage.readers``; the events appender is ``storage.appenders``. The
backend's SQL choices are ``Database.dialect`` (``storage.dialect``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

from goalgate.errors import Unavailable
from goalgate.storage import migrations
from goalgate.storage.dialect import Dialect, named
from goalgate.storage.readers import (
    DEFAULT_READ_BUDGET_S,
    DEFAULT_READ_THREADS,
    Reader,
    open_reader,
)

__all__ = ["SQLITE_WRITER_PRAGMAS", "Database", "open_database"]

_MIGRATIONS = Path(__file__).parent / "migrations"
_BUSY_TIMEOUT_MS = 30_000
# A server may drop idle connections: recycle them rather than ping on every
# checkout (a round trip per request).
_POOL_RECYCLE_S = 1800
# Every SQLite connection that writes: the engine's, and the appender's own.
SQLITE_WRITER_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    f"PRAGMA busy_timeout={_BUSY_TIMEOUT_MS}",
    # In WAL mode NORMAL survives a process crash; only power loss may cost
    # the last commits (README, "Durability").
    "PRAGMA synchronous=NORMAL",
    "PRAGMA foreign_keys=ON",
)


@dataclass(frozen=True, slots=True)
class Database:
    """The engine, its two session factories and the hot-read path; one per process."""

    engine: AsyncEngine
    # The ORM's session factories: ``session()`` and ``transaction()`` open them.
    read_sessions: async_sessionmaker[AsyncSession]
    write_sessions: async_sessionmaker[AsyncSession]
    # Plain rows, no ORM: bounded reads and heavy reads with a time budget.
    reader: Reader

    @property
    def dialect(self) -> Dialect:
        """The backend's SQL choices (compares equal to its name)."""
        return self.reader.dialect

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """An ORM session for reads that need the table models (the CLI's lists)."""
        async with self.read_sessions() as session:
            yield session

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A write transaction: commits on success, rolls back on error."""
        async with self.write_sessions() as session, session.begin():
            yield session

    async def ping(self) -> None:
        """Check that the database answers, through a pooled session (the path writes
        take); ``Unavailable`` if it does not."""
        try:
            async with self.read_sessions() as session:
                await session.exec(text("SELECT 1"))  # type: ignore[call-overload]
        except (OSError, SQLAlchemyError) as exc:
            raise Unavailable("the database is not reachable") from exc

    async def migrate(self) -> None:
        """Bring the schema up to date (idempotent); ``migrations.SchemaTooNew`` if
        the database is at a revision newer than this code's."""
        async with self.engine.begin() as conn:
            await conn.run_sync(_upgrade)

    async def revision(self) -> str | None:
        """The schema revision of the database; None if it has none yet."""
        async with self.engine.connect() as conn:
            revisions = await conn.run_sync(_revisions)
        return next(iter(revisions), None)

    async def downgrade(self, revision: str) -> str | None:
        """Run the downgrades from the database's revision to ``revision``, an
        older one this code knows; returns the revision it was at."""
        if revision not in migrations.REVISIONS:
            raise migrations.UnknownRevision(
                f"unknown schema revision {revision}: this goalgate knows "
                f"{', '.join(migrations.REVISIONS)}"
            )
        async with self.engine.begin() as conn:
            return await conn.run_sync(_downgrade, revision)

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
    revisions = _revisions(connection)
    if revisions == {migrations.HEAD}:
        return
    _refuse_unknown(revisions)
    from alembic import command

    command.upgrade(_alembic_config(connection), "head")


def _downgrade(connection: Connection, revision: str) -> str | None:
    revisions = _revisions(connection)
    _refuse_unknown(revisions)
    current = next(iter(revisions), None)
    if current is None or migrations.REVISIONS.index(revision) >= migrations.REVISIONS.index(
        current
    ):
        raise migrations.UnknownRevision(
            f"the database is at schema revision {current or 'none'}: "
            f"{revision} is not older, nothing to downgrade"
        )
    from alembic import command

    command.downgrade(_alembic_config(connection), revision)
    return current


def _refuse_unknown(revisions: set[str]) -> None:
    for revision in sorted(revisions):
        if revision not in migrations.REVISIONS:
            raise migrations.SchemaTooNew(revision)


def _alembic_config(connection: Connection) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def _revisions(connection: Connection) -> set[str]:
    if not inspect(connection).has_table("alembic_version"):
        return set()
    return set(connection.execute(text("SELECT version_num FROM alembic_version")).scalars())


def _prepare_sqlite(url: str) -> None:
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)


def open_database(
    url: str,
    *,
    echo: bool = False,
    read_budget_s: float = DEFAULT_READ_BUDGET_S,
    read_threads: int = DEFAULT_READ_THREADS,
) -> Database:
    """Create the engine for ``url``; connects lazily, on first use.

    ``read_budget_s`` bounds a heavy read made outside a request (inside one,
    the request's budget does); ``read_threads`` is how many heavy reads run
    at once on SQLite (PostgreSQL: its reader pool's size).
    """
    kwargs: dict[str, Any] = {"echo": echo}
    if url.startswith("sqlite"):
        _prepare_sqlite(url)
    else:
        # A server may drop idle connections; a file cannot.
        # A dropped connection is found by the request that uses it (a 503 it
        # may retry), not by a ping on every checkout.
        kwargs.update(pool_size=10, max_overflow=10, pool_recycle=_POOL_RECYCLE_S)
    engine = create_async_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine)
    reader = open_reader(
        url,
        named(engine.dialect.name),
        read_budget_s=read_budget_s,
        read_threads=read_threads,
    )
    writer = engine.execution_options(sqlite_begin="IMMEDIATE")
    return Database(
        engine=engine,
        read_sessions=async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False),
        write_sessions=async_sessionmaker(writer, class_=AsyncSession, expire_on_commit=False),
        reader=reader,
    )


def _configure_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take BEGIN away from the driver so that we can choose its kind below.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in SQLITE_WRITER_PRAGMAS:
            cursor.execute(pragma)
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Connection) -> None:
        kind = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {kind}")

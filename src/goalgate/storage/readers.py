"""The hot-read path: one SQL statement in, plain rows out, on both backends.

Hot reads (a token, a site, a page of goals, a stats aggregate) skip sessions
and the ORM. On SQLite that matters most. aiosqlite runs every operation on a
thread of its own and each hop (begin, execute, fetch, rollback) costs
~0.1-1 ms of thread hand-off, while an indexed read of a few rows costs
~20 us. So bounded reads (``rows``) run inline on the event loop on one
``query_only`` connection per process, in autocommit: in WAL mode a reader
never waits for a writer, and each statement sees every commit made before it
(read-your-writes across workers). On PostgreSQL both kinds go through a plain
asyncpg pool (asyncpg is natively asynchronous).

Reads whose cost grows with the data (``heavy_rows``: aggregates over events)
are bounded three ways, whatever the shape of the statement:

- **time**: each must be done by the request's read deadline
  (``goalgate.budgets``, ``GOALGATE_READ_BUDGET_S``); SQLite checks it every
  few thousand steps of the statement (a progress handler), PostgreSQL
  cancels the statement (asyncpg's timeout, and ``statement_timeout`` on the
  server as a backstop). Over it: ``BudgetExceeded`` (422);
- **the client**: a read whose request's client went away, or whose task was
  cancelled, is interrupted at once rather than run to its end;
- **share**: a few run at once (SQLite: threads of their own, never the
  loop's), and no site may hold more than half of them (``read_slots``).
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Collection, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager, suppress
from typing import Any, Protocol, TypeVar

from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from goalgate import budgets
from goalgate.errors import BudgetExceeded, Unavailable
from goalgate.storage.dialect import POSTGRESQL, SQLITE, Dialect
from goalgate.storage.read_slots import ReadSlots

__all__ = [
    "DEFAULT_READ_BUDGET_S",
    "DEFAULT_READ_THREADS",
    "DRIVER_ERRORS",
    "Reader",
    "Row",
    "is_connection_lost",
    "open_reader",
]

Row = Sequence[Any]
T = TypeVar("T")

_BUSY_TIMEOUT_MS = 30_000
# An inline reader must never hold the loop: in WAL mode it only waits in the
# rare recovery of the WAL index, and then not for long.
_INLINE_BUSY_TIMEOUT_MS = 250
DEFAULT_READ_BUDGET_S = 4.0
DEFAULT_READ_THREADS = 4
# SQLite calls the progress handler every this many virtual-machine steps:
# ~0.1 ms of work apart, so a read stops within a millisecond of its deadline,
# for well under 1% of its time.
_PROGRESS_STEPS = 10_000
# How long an interrupted read may take to give its reader back.
_STOPPING_S = 1.0


class Reader(Protocol):
    """One SQL statement in, plain rows out; ``:name`` parameters on both backends."""

    # What the statements it runs must be written for (``storage.sql`` asks it).
    dialect: Dialect

    async def rows(self, sql: str, params: Mapping[str, Any] | None = None) -> list[Row]:
        """A bounded read (index lookups, a page of rows): cheap enough to run inline."""
        ...

    async def heavy_rows(
        self, sql: str, params: Mapping[str, Any] | None = None, *, sites: Collection[int]
    ) -> list[Row]:
        """A read whose cost grows with the data, of the events of ``sites``: off the
        event loop, within the request's read budget, in the sites' share of readers."""
        ...

    async def close(self) -> None: ...


def over_budget(budget_s: float) -> BudgetExceeded:
    return BudgetExceeded(
        f"reading the events took longer than the {budget_s:g} s budget "
        "(GOALGATE_READ_BUDGET_S): ask for a shorter period, fewer goals or fewer filter clauses"
    )


def _client_gone() -> Unavailable:
    return Unavailable("the client went away before its answer")


class _Deadline:
    """When a heavy read must be done: the request's read deadline, or its own."""

    __slots__ = ("budget_s", "client_gone", "until")

    def __init__(self, budget_s: float) -> None:
        budget = budgets.current()
        if budget is None:
            self.budget_s = budget_s
            self.until = time.monotonic() + budget_s
            self.client_gone: asyncio.Event | None = None
        else:
            self.budget_s = budget.read_s
            self.until = budget.read_deadline
            self.client_gone = budget.client_gone
            budget.on_heavy_work()

    def left(self) -> float:
        left = self.until - time.monotonic()
        if left <= 0:
            raise over_budget(self.budget_s)
        return left


async def _watched(work: asyncio.Future[T], stop: Callable[[], None], deadline: _Deadline) -> T:
    """``work``'s result; told to ``stop`` (and waited for, briefly) when the task is
    cancelled or the request's client goes away, so that its reader is free again."""
    try:
        if deadline.client_gone is not None:
            gone = asyncio.ensure_future(deadline.client_gone.wait())
            either: set[asyncio.Future[Any]] = {work, gone}
            try:
                await asyncio.wait(either, return_when=asyncio.FIRST_COMPLETED)
            finally:
                gone.cancel()
            if not work.done():
                stop()
                await asyncio.wait({work}, timeout=_STOPPING_S)
                with suppress(BaseException):
                    work.result()  # retrieved: never "exception was never retrieved"
                raise _client_gone()
        return await work
    except asyncio.CancelledError:
        stop()
        await asyncio.wait({work}, timeout=_STOPPING_S)
        raise


@asynccontextmanager
async def _heavy_read(
    slots: ReadSlots, budget_s: float, sites: Collection[int]
) -> AsyncIterator[_Deadline]:
    """The read's deadline, with its slots held: refused at once past the budget."""
    deadline = _Deadline(budget_s)
    deadline.left()
    async with slots.taken(sites, deadline.until):
        yield deadline


class _Interruptible:
    """A statement's stop switch, read by SQLite's progress handler on the reader thread."""

    __slots__ = ("deadline", "stopped")

    def __init__(self, deadline: float) -> None:
        self.deadline = deadline
        self.stopped = False

    def stop(self) -> None:
        self.stopped = True

    def __call__(self) -> int:
        # Non-zero interrupts the statement ("interrupted").
        return 1 if self.stopped or time.monotonic() > self.deadline else 0


class _SQLiteReader:
    """Reads on SQLite: inline for bounded ones, on reader threads for heavy ones."""

    dialect = SQLITE

    def __init__(self, path: str, *, read_budget_s: float, threads: int) -> None:
        self._path = path
        self._read_budget_s = read_budget_s
        self._inline: sqlite3.Connection | None = None
        self._local = threading.local()
        self._opened: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._threads = threads
        self._executor: ThreadPoolExecutor | None = None
        self._slots = ReadSlots(threads)

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

    async def heavy_rows(
        self, sql: str, params: Mapping[str, Any] | None = None, *, sites: Collection[int]
    ) -> list[Row]:
        async with _heavy_read(self._slots, self._read_budget_s, sites) as deadline:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(self._threads, "goalgate-read")
            switch = _Interruptible(deadline.until)
            work = asyncio.get_running_loop().run_in_executor(
                self._executor, self._on_thread, sql, params or {}, switch
            )
            try:
                return await _watched(work, switch.stop, deadline)
            except sqlite3.OperationalError:
                if not switch.stopped and time.monotonic() > deadline.until:
                    raise over_budget(deadline.budget_s) from None
                raise

    def _on_thread(self, sql: str, params: Mapping[str, Any], switch: _Interruptible) -> list[Row]:
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is None:
            connection = self._local.connection = self._connect(_BUSY_TIMEOUT_MS)
        connection.set_progress_handler(switch, _PROGRESS_STEPS)
        try:
            return connection.execute(sql, params).fetchall()
        finally:
            connection.set_progress_handler(None, 0)

    async def close(self) -> None:
        executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=False, cancel_futures=True)
        with self._lock:
            opened, self._opened = self._opened, []
        for connection in opened:
            connection.interrupt()
            connection.close()
        self._inline = None
        self._local = threading.local()


# What the raw drivers of the readers raise themselves, outside SQLAlchemy's
# wrapping, for a statement that failed (a face maps them as it maps DBAPIError).
DRIVER_ERRORS: tuple[type[Exception], ...] = (sqlite3.OperationalError,)


def is_connection_lost(exc: BaseException) -> bool:
    """True for a failure of the database connection or server, not of the statement.

    A dropped connection, a server restarting or shutting down, a file that
    cannot grow (SQLITE_FULL) or stays locked: the client did nothing wrong,
    and the same request may succeed later (503).
    """
    if isinstance(exc, DBAPIError):
        if exc.connection_invalidated:
            return True
        if isinstance(exc, (OperationalError, InterfaceError)):
            return True
        # SQLAlchemy's asyncpg adapter wraps most server errors in its generic
        # Error (PostgreSQL's "too many clients" among them): ask the driver's own.
        original = exc.orig.__cause__ if exc.orig is not None else None
        return original is not None and _asyncpg_lost(original)
    return isinstance(exc, (*DRIVER_ERRORS, ConnectionError)) or _asyncpg_lost(exc)


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
            # Class 53: too many connections, out of memory or disk on the server.
            asyncpg.exceptions.InsufficientResourcesError,
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

    dialect = POSTGRESQL

    def __init__(self, url: str, *, max_size: int, read_budget_s: float) -> None:
        self._dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        self._max_size = max_size
        self._read_budget_s = read_budget_s
        self._pool: Any = None
        self._opening = asyncio.Lock()
        self._compiled: dict[str, tuple[str, list[str]]] = {}
        self._slots = ReadSlots(max_size)

    async def _acquire_pool(self) -> Any:
        if self._pool is None:
            async with self._opening:
                if self._pool is None:
                    import asyncpg

                    # The server's own bound on every statement of this pool
                    # (bounded reads take milliseconds): a heavy read outlives
                    # its request's budget by at most this much even if this
                    # process dies before it can cancel it.
                    timeout_ms = int(self._read_budget_s * 1000) + 1000
                    self._pool = await asyncpg.create_pool(
                        self._dsn,
                        min_size=1,
                        max_size=self._max_size,
                        server_settings={"statement_timeout": str(timeout_ms)},
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
        return await self._retried(lambda: self._rows(sql, params, None))

    async def _retried(self, read: Callable[[], Awaitable[list[Row]]]) -> list[Row]:
        try:
            return await read()
        except Exception as exc:
            # A pooled connection the server dropped (restart, terminated):
            # a read changes nothing, so it is tried once more on a new one.
            if not is_connection_lost(exc):
                raise
        return await read()

    async def _rows(
        self, sql: str, params: Mapping[str, Any] | None, limit_s: float | None
    ) -> list[Row]:
        statement, names = self._positional(sql)
        values = [(params or {})[name] for name in names]
        pool = await self._acquire_pool()
        async with pool.acquire() as connection:
            try:
                return list(await connection.fetch(statement, *values, timeout=limit_s))
            except Exception as exc:
                if is_connection_lost(exc):
                    # Never hand a broken connection to the next reader.
                    connection.terminate()
                raise

    async def heavy_rows(
        self, sql: str, params: Mapping[str, Any] | None = None, *, sites: Collection[int]
    ) -> list[Row]:
        import asyncpg

        async with _heavy_read(self._slots, self._read_budget_s, sites) as deadline:
            # asyncpg cancels the statement on the server when the timeout
            # passes or the task is cancelled.
            work = asyncio.ensure_future(
                self._retried(lambda: self._rows(sql, params, deadline.left()))
            )

            def stop() -> None:
                work.cancel()

            try:
                return await _watched(work, stop, deadline)
            except (TimeoutError, asyncpg.exceptions.QueryCanceledError):
                raise over_budget(deadline.budget_s) from None

    async def close(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            await pool.close()


# ``:name`` parameters (not the ``::`` of a cast).
_PARAMETER = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")


def open_reader(url: str, dialect: Dialect, *, read_budget_s: float, read_threads: int) -> Reader:
    """The reader of a database: SQLite's file, or a PostgreSQL pool of its own."""
    if dialect is SQLITE:
        return _SQLiteReader(
            str(make_url(url).database), read_budget_s=read_budget_s, threads=read_threads
        )
    return _PostgresReader(url, max_size=10, read_budget_s=read_budget_s)

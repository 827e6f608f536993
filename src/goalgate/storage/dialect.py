"""Every SQL choice that differs between SQLite and PostgreSQL, made here once.

A ``Dialect`` is one object per backend, chosen once when the database is
opened (``Database.dialect``, ``Reader.dialect``, ``of(session)``). The SQL
builder (``storage.sql``) and the queries write one statement for every
backend and ask it for the parts that cannot be shared; none of them compares
backend names. A third backend is a third subclass here (and its connection
set-up in ``db.py`` and ``readers.py``).

A dialect is its name (it subclasses ``str``): logs, settings and tests read
``"sqlite"`` or ``"postgresql"`` as before.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import BigInteger, Integer, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel.ext.asyncio.session import AsyncSession

__all__ = ["BIG_ID", "POSTGRESQL", "SQLITE", "Dialect", "combine", "named", "of"]

# A 64-bit id column. SQLite only makes a rowid alias (and so autoincrement)
# of INTEGER PRIMARY KEY, and its INTEGER is 64-bit already.
BIG_ID = BigInteger().with_variant(Integer(), "sqlite")

# The weight of each part of an exact sum (see ``Dialect.exact_sum``).
_PART_BASE = 100_000
# First key of the two-key advisory locks taken while adding keys to a site.
_KEY_LOCK_SPACE = 0x6767


class Dialect(str):
    """The fragments of SQL (and SQLAlchemy constructs) that depend on the backend."""

    __slots__ = ()

    # How the goal rows (a CTE) are joined to ``events`` so that each row
    # probes the index (see ``storage.sql.goal_events``).
    index_join = "JOIN"
    # The database is a file this process opens itself: events are appended
    # on a connection of its own rather than through the engine's pool.
    embedded = False

    def insert(self, table: Table) -> Any:
        """The dialect's INSERT of ``table`` (it has ``on_conflict_do_*``)."""
        raise NotImplementedError

    def insert_ignoring_conflicts(self, table: Table) -> Any:
        """INSERT .. ON CONFLICT DO NOTHING: concurrent writers agree without failing."""
        return self.insert(table).on_conflict_do_nothing()

    def json_rows(self, name: str, parameter: str, fields: Sequence[tuple[str, str]]) -> str:
        """``name AS (...)``: one row per object of the JSON array bound to ``:parameter``.

        ``fields`` are (field, type) with type one of int, bigint, text; field
        names are constants of the caller, never input.
        """
        raise NotImplementedError

    def json_ints(self, parameter: str) -> str:
        """A subquery of the integers of the JSON array bound to ``:parameter``."""
        raise NotImplementedError

    def exact_sum(self, value: str) -> list[str]:
        """Select-list columns whose ``combine`` is the exact sum of ``value`` (micros)."""
        return [f"sum({value})"]

    def bytewise(self, expression: str) -> str:
        """``expression`` (text) compared byte by byte, whatever the database's locale."""
        return expression

    def text_parameter(self, name: str) -> str:
        """``:name`` where the statement alone does not say it is text (``:x IS NULL``)."""
        return f":{name}"

    def stored_instant(self, when: datetime) -> object:
        """``when`` as ``UTCDateTime`` stores it, for comparisons in raw SQL."""
        return when.astimezone(UTC)

    def key_locks(self, site_ids: Iterable[int]) -> list[tuple[str, dict[str, int]]]:
        """Statements that make transactions adding keys to these sites take turns.

        Readers mirror the dictionary by "ids above the last one seen" per site
        and kind, which needs ids to become visible in increasing order.
        """
        return []

    def pinned_join(self, table: str, alias: str, index: str) -> str:
        """``JOIN table AS alias``, probing ``index`` (names are constants, never input)."""
        return f"JOIN {table} AS {alias}"

    def new_ids(self, table: str) -> str:
        """A statement of ``:n`` rows, each a new id of ``table`` (a constant name)."""
        raise NotImplementedError

    def serialise_writers(self, *, whole_sites: bool) -> list[str]:
        """Statements that make the transaction wait for any other writing the same
        visitors, until it ends; none where writers are serial already."""
        return []


class _SQLite(Dialect):
    __slots__ = ()

    # CROSS JOIN makes the left table the outer loop: each goal row probes
    # the index, never the other way round.
    index_join = "CROSS JOIN"
    embedded = True

    def insert(self, table: Table) -> Any:
        return sqlite.insert(table)

    def json_rows(self, name: str, parameter: str, fields: Sequence[tuple[str, str]]) -> str:
        # MATERIALIZED: else SQLite inlines the CTE and runs json_extract for
        # every event row that reads a field (a range's tag, a goal's currency):
        # a quarter of a site's stats over 80,000 events (docs/benchmarks.md).
        columns = ", ".join(f"json_extract(value, '$.{f}') AS {f}" for f, _ in fields)
        return f"{name} AS MATERIALIZED (SELECT {columns} FROM json_each(:{parameter}))"  # noqa: S608

    def json_ints(self, parameter: str) -> str:
        return f"(SELECT value FROM json_each(:{parameter}))"  # noqa: S608

    def exact_sum(self, value: str) -> list[str]:
        # SQLite's sum() of integers fails past 2^63 and total() is a float:
        # the sum of each base-10^5 digit of the amounts, least significant
        # first (truncating division and remainder, so that the parts add
        # back to any int64, negative too). See storage.stats.
        return [
            f"sum(({value}) % 100000)",
            f"sum(({value}) / 100000 % 100000)",
            f"sum(({value}) / 10000000000 % 100000)",
            f"sum(({value}) / 1000000000000000)",
        ]

    def stored_instant(self, when: datetime) -> object:
        # UTCDateTime keeps naive UTC text on SQLite.
        return when.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")

    def pinned_join(self, table: str, alias: str, index: str) -> str:
        # Once a table has rows SQLite's planner may pick another index and
        # scan; CROSS JOIN keeps the left side outer, INDEXED BY the index.
        return f"CROSS JOIN {table} AS {alias} INDEXED BY {index}"

    def new_ids(self, table: str) -> str:
        # Counting up from the largest id is right only inside a write
        # transaction, which SQLite runs one at a time (goalgate starts them
        # IMMEDIATE), so no other writer can take them.
        return (
            "WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq "  # noqa: S608
            f"WHERE i < :n) SELECT (SELECT COALESCE(MAX(id), 0) FROM {table}) + i FROM seq"
        )

    # Byte order is SQLite's BINARY collation already; its parameters are
    # untyped; its write transactions are serial, so neither keys nor
    # visitors need a lock (serialise_writers: none).


# SQL types of the JSON row fields, by what they hold.
_POSTGRES_TYPES = {"int": "int", "bigint": "bigint", "text": "text"}


class _PostgreSQL(Dialect):
    __slots__ = ()

    def insert(self, table: Table) -> Any:
        return postgresql.insert(table)

    def json_rows(self, name: str, parameter: str, fields: Sequence[tuple[str, str]]) -> str:
        typed = ", ".join(f"{f} {_POSTGRES_TYPES[t]}" for f, t in fields)
        return (
            f"{name} AS (SELECT * FROM jsonb_to_recordset(CAST(:{parameter} AS jsonb)) "  # noqa: S608
            f"AS x({typed}))"
        )

    def json_ints(self, parameter: str) -> str:
        return (
            "(SELECT CAST(value AS int) "  # noqa: S608
            f"FROM jsonb_array_elements_text(CAST(:{parameter} AS jsonb)))"
        )

    # sum(bigint) is numeric: exact, it never overflows (the base class's one column).

    def bytewise(self, expression: str) -> str:
        return f'{expression} COLLATE "C"'

    def text_parameter(self, name: str) -> str:
        # PostgreSQL cannot type a parameter seen first in ``:x IS NULL``: say it.
        return f"CAST(:{name} AS text)"

    def key_locks(self, site_ids: Iterable[int]) -> list[tuple[str, dict[str, int]]]:
        # A sequence does not promise increasing visibility across concurrent
        # transactions: those adding keys to a site take turns (held to commit).
        return [
            ("SELECT pg_advisory_xact_lock(:space, :site)", {"space": _KEY_LOCK_SPACE, "site": s})
            for s in sorted(set(site_ids))
        ]

    def new_ids(self, table: str) -> str:
        return (
            f"SELECT nextval(pg_get_serial_sequence('{table}', 'id')) "  # noqa: S608
            "FROM generate_series(1, :n)"
        )

    def serialise_writers(self, *, whole_sites: bool) -> list[str]:
        # Transaction-level advisory locks: each site of the JSON array
        # ``:sites`` under ``:space`` (two-key form), shared, then each 64-bit
        # key of ``:keys`` (a visitor; one-key form, a space apart from the
        # two-key locks) exclusively. With ``whole_sites`` the sites are locked
        # exclusively and no key is (a bulk write: thousands of visitors would
        # exhaust the server's lock table). Taken in increasing order, sites
        # first, so that two transactions never wait for each other.
        mode = "" if whole_sites else "_shared"
        sites = (
            f"SELECT pg_advisory_xact_lock{mode}(CAST(:space AS int), s) FROM (SELECT "  # noqa: S608
            "CAST(value AS int) AS s FROM jsonb_array_elements_text(CAST(:sites AS jsonb)) "
            "ORDER BY 1) AS sites"
        )
        if whole_sites:
            return [sites]
        keys = (
            "SELECT pg_advisory_xact_lock(k) FROM (SELECT CAST(value AS bigint) AS k "
            "FROM jsonb_array_elements_text(CAST(:keys AS jsonb)) ORDER BY 1) AS keys"
        )
        return [sites, keys]


SQLITE: Dialect = _SQLite("sqlite")
POSTGRESQL: Dialect = _PostgreSQL("postgresql")


def named(dialect_name: str) -> Dialect:
    """The dialect of a SQLAlchemy dialect name (asyncpg and psycopg are both PostgreSQL)."""
    return SQLITE if dialect_name == "sqlite" else POSTGRESQL


def of(session: AsyncSession) -> Dialect:
    """The dialect of a session's database."""
    return named(session.get_bind().dialect.name)


def combine(parts: Sequence[object]) -> int | None:
    """The exact sum from the columns of ``exact_sum``; None when nothing was summed."""
    if parts[0] is None:
        return None
    return sum(
        int(part) * _PART_BASE**weight  # type: ignore[call-overload]
        for weight, part in enumerate(parts)
    )

"""Every SQL choice that differs between SQLite and PostgreSQL, made here once.

The rest of storage writes one statement for both backends and asks this
module for the parts that cannot be shared:

- ``insert``: the dialect's INSERT, which knows ``ON CONFLICT`` (upserts and
  insert-if-missing);
- ``json_rows``: a CTE of typed rows from one JSON parameter (how a batch of
  goals or rates reaches one statement without a bound parameter per value);
- ``stored_instant``: a datetime as ``UTCDateTime`` stores it, for comparisons
  in raw SQL;
- ``new_ids``: ids for rows about to be inserted, known before the insert;
- ``serialise_writers``: how transactions writing the same thing take turns.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite

__all__ = [
    "Family",
    "family",
    "insert",
    "insert_ignoring_conflicts",
    "json_rows",
    "new_ids",
    "serialise_writers",
    "stored_instant",
]

Family = Literal["sqlite", "postgresql"]
# SQL types of the JSON row fields, by what they hold.
_POSTGRES_TYPES = {"int": "int", "bigint": "bigint", "text": "text"}


def family(dialect_name: str) -> Family:
    """The family of a SQLAlchemy dialect name (asyncpg and psycopg are both postgresql)."""
    return "sqlite" if dialect_name == "sqlite" else "postgresql"


def insert(dialect_name: str, table: Table) -> Any:
    """The dialect's INSERT of ``table`` (it has ``on_conflict_do_*``)."""
    if family(dialect_name) == "sqlite":
        return sqlite.insert(table)
    return postgresql.insert(table)


def insert_ignoring_conflicts(dialect_name: str, table: Table) -> Any:
    """INSERT .. ON CONFLICT DO NOTHING: concurrent writers agree without failing."""
    return insert(dialect_name, table).on_conflict_do_nothing()


def json_rows(
    dialect_name: str, name: str, parameter: str, fields: Sequence[tuple[str, str]]
) -> str:
    """``name AS (...)``: one row per object of the JSON array bound to ``:parameter``.

    ``fields`` are (field, type) with type one of int, bigint, text; field
    names are constants of the caller, never input.
    """
    if family(dialect_name) == "sqlite":
        columns = ", ".join(f"json_extract(value, '$.{f}') AS {f}" for f, _ in fields)
        return f"{name} AS (SELECT {columns} FROM json_each(:{parameter}))"  # noqa: S608
    typed = ", ".join(f"{f} {_POSTGRES_TYPES[t]}" for f, t in fields)
    return (
        f"{name} AS (SELECT * FROM jsonb_to_recordset(CAST(:{parameter} AS jsonb)) "  # noqa: S608
        f"AS x({typed}))"
    )


def stored_instant(dialect_name: str, when: datetime) -> object:
    """``when`` as UTCDateTime writes it: SQLite keeps naive UTC text, PostgreSQL a timestamptz."""
    utc = when.astimezone(UTC)
    if family(dialect_name) == "sqlite":
        return utc.strftime("%Y-%m-%d %H:%M:%S.%f")
    return utc


def new_ids(dialect_name: str, table: str) -> str:
    """A statement of ``:n`` rows, each a new id of ``table`` (a constant name, never input).

    PostgreSQL draws them from the table's sequence. SQLite counts up from the
    largest id: right only inside a write transaction, which SQLite runs one at
    a time (goalgate starts them IMMEDIATE), so no other writer can take them.
    """
    if family(dialect_name) == "sqlite":
        return (
            "WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq "  # noqa: S608
            f"WHERE i < :n) SELECT (SELECT COALESCE(MAX(id), 0) FROM {table}) + i FROM seq"
        )
    return (
        f"SELECT nextval(pg_get_serial_sequence('{table}', 'id')) "  # noqa: S608
        "FROM generate_series(1, :n)"
    )


def serialise_writers(dialect_name: str, *, whole_sites: bool) -> list[str]:
    """Statements that make the transaction wait for any other writing the same
    visitors, until it ends; none where writers are serial already (SQLite: one
    write transaction at a time).

    PostgreSQL: transaction-level advisory locks. Each site of the JSON array
    ``:sites`` is locked under ``:space`` (two-key form), shared, then each
    64-bit key of ``:keys`` (a visitor, one-key form: a key space apart from
    the two-key locks) exclusively; with ``whole_sites`` the sites are locked
    exclusively and no key is (a bulk write: thousands of visitors would
    exhaust the server's lock table). Taken in increasing order, sites first,
    so that two transactions never wait for each other.
    """
    if family(dialect_name) == "sqlite":
        return []
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

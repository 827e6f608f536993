"""The SQL builder and the dialects: each backend's fragments, and statements that run."""

from __future__ import annotations

import re
import sqlite3

import pytest

from goalgate.domain.dimensions import Dimension
from goalgate.storage import dialect, sql
from goalgate.storage.conditions import Condition


def test_a_dialect_is_chosen_by_its_sqlalchemy_name_and_compares_equal_to_it() -> None:
    assert dialect.named("sqlite") is dialect.SQLITE
    assert dialect.named("postgresql") is dialect.POSTGRESQL
    # asyncpg and psycopg name their dialect "postgresql" too; any other name
    # goalgate accepts is a PostgreSQL server.
    assert dialect.named("postgres") is dialect.POSTGRESQL
    assert (dialect.SQLITE == "sqlite", dialect.POSTGRESQL == "postgresql") == (True, True)


def test_each_backend_answers_its_own_fragments() -> None:
    sqlite_, postgres = dialect.SQLITE, dialect.POSTGRESQL
    assert (sqlite_.index_join, postgres.index_join) == ("CROSS JOIN", "JOIN")
    assert (sqlite_.bytewise("x"), postgres.bytewise("x")) == ("x", 'x COLLATE "C"')
    assert (sqlite_.text_parameter("cur"), postgres.text_parameter("cur")) == (
        ":cur",
        "CAST(:cur AS text)",
    )
    assert postgres.exact_sum("v") == ["sum(v)"]
    assert len(sqlite_.exact_sum("v")) == 4
    assert sqlite_.key_locks([3, 1, 3]) == []
    assert postgres.key_locks([3, 1, 3]) == [
        ("SELECT pg_advisory_xact_lock(:space, :site)", {"space": 0x6767, "site": 1}),
        ("SELECT pg_advisory_xact_lock(:space, :site)", {"space": 0x6767, "site": 3}),
    ]
    assert (sqlite_.embedded, postgres.embedded) == (True, False)


def test_combine_reads_back_one_column_or_four() -> None:
    assert dialect.combine([None]) is None
    assert dialect.combine([12_345]) == 12_345
    assert dialect.combine([5, 4, 3, 2]) == 5 + 4 * 10**5 + 3 * 10**10 + 2 * 10**15


def test_json_rows_reach_sqlite_as_the_rows_given() -> None:
    rows = [(1, 7, 42, 0, 2**40, "EUR"), (2, 8, 43, 5, 9, None)]
    connection = sqlite3.connect(":memory:")
    try:
        statement = f"WITH {sql.GOAL_KEYS.cte(dialect.SQLITE)} SELECT * FROM goal_keys"  # noqa: S608
        found = connection.execute(statement, {"rows": sql.GOAL_KEYS.value(rows)}).fetchall()
    finally:
        connection.close()
    assert found == rows


def test_the_builder_writes_one_statement_for_both_backends_but_their_fragments() -> None:
    where = (Condition(Dimension.SOURCE, (3, 1)),)
    on_sqlite = sql.goals_aggregate(dialect.SQLITE, where)
    on_postgres = sql.goals_aggregate(dialect.POSTGRESQL, where)
    assert "CROSS JOIN events AS ev ON" in on_sqlite
    assert " JOIN events AS ev ON" in on_postgres
    assert "CROSS JOIN" not in on_postgres
    # SOURCE is the visit's: the column each event carries (storage.visits).
    assert on_sqlite.endswith("AND (ev.visit_source_id IN (1, 3)) GROUP BY gk.tag")
    assert on_postgres.endswith("AND (ev.visit_source_id IN (1, 3)) GROUP BY gk.tag")


@pytest.mark.parametrize("dimension", [Dimension.SOURCE, Dimension.ENTRY_PAGE])
def test_breakdown_names_each_revenue_part_once(dimension: Dimension) -> None:
    on_sqlite = sql.breakdown(dialect.SQLITE, dimension, ())
    on_postgres = sql.breakdown(dialect.POSTGRESQL, dimension, ())
    assert re.findall(r" AS revenue(\d)\b", on_sqlite) == ["0", "1", "2", "3"]
    assert "ranked.revenue3" in on_sqlite
    assert re.findall(r" AS revenue(\d)\b", on_postgres) == ["0"]
    assert 'labelled.label COLLATE "C" > pg.after_label' in on_postgres

"""Breakdowns: a goal's conversions grouped by the value of one dimension.

Any number of goals go in one statement, as the goal rows of ``storage.stats``
(one JSON parameter); each goal's page (how many rows, and the keyset cursor
after which they start) is a second JSON parameter. The statement aggregates
each goal's matching events by value id, names each value from the key
dictionary (NULL: the dimension's empty label), ranks them per goal by
conversions, then value (``ROW_NUMBER() OVER (PARTITION BY goal ...)``) and
keeps each goal's page. Values compare byte by byte on both backends (SQLite's
BINARY, PostgreSQL's ``COLLATE "C"``), so that pages are the same on both.

Foreign revenue and visitors are asked only for the values of the pages shown.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from goalgate.domain.dimensions import Dimension
from goalgate.storage import stats as stats_store
from goalgate.storage.conditions import EventFilter, filter_sql, value_expression
from goalgate.storage.db import Reader

__all__ = [
    "BreakdownPage",
    "ValueAggregate",
    "breakdown_goals",
    "foreign_revenue_by_value",
    "visitors_by_value",
]

# The bucket number of events without a value (ids start at 1).
NO_VALUE = 0


@dataclass(frozen=True, slots=True)
class BreakdownPage:
    """Which rows of a goal's breakdown to return: ``limit`` rows after ``after``."""

    tag: int
    limit: int
    # (conversions, value) of the last row of the previous page.
    after: tuple[int, str] | None = None


@dataclass(frozen=True, slots=True)
class ValueAggregate:
    """One value's aggregate; ``value_id`` is None for events without a value."""

    value_id: int | None
    value: str
    aggregate: stats_store.Aggregate


_ROWS = {
    "sqlite": """
    WITH m AS (
        SELECT json_extract(value, '$.g') AS g, json_extract(value, '$.site') AS site,
               json_extract(value, '$.k') AS k, json_extract(value, '$.s') AS s,
               json_extract(value, '$.e') AS e, json_extract(value, '$.cur') AS cur
        FROM json_each(:rows)
    ),
    p AS (
        SELECT json_extract(value, '$.g') AS g, json_extract(value, '$.lim') AS lim,
               json_extract(value, '$.an') AS an, json_extract(value, '$.av') AS av
        FROM json_each(:pages)
    )""",
    "postgresql": """
    WITH m AS (
        SELECT * FROM jsonb_to_recordset(CAST(:rows AS jsonb))
            AS x(g int, site int, k int, s bigint, e bigint, cur text)
    ),
    p AS (
        SELECT * FROM jsonb_to_recordset(CAST(:pages AS jsonb))
            AS y(g int, lim int, an bigint, av text)
    )""",
}
# SQLite compares text byte by byte already; PostgreSQL by the database's locale.
_BYTES = {"sqlite": "", "postgresql": ' COLLATE "C"'}
_EMPTY = {"sqlite": ":empty", "postgresql": "CAST(:empty AS text)"}


def _events(dialect: str, dimension: Dimension, where: EventFilter, condition: str = "") -> str:
    """The goals' matching events with their value of ``dimension`` as ``v``."""
    return (
        "(SELECT m.g AS g, m.cur AS cur, ev.visitor AS visitor, ev.ts AS ts, "
        "ev.revenue_currency AS revenue_currency, ev.revenue_micros AS revenue_micros, "
        f"{value_expression(dimension)} AS v "
        f"{stats_store._JOIN[dialect]}{filter_sql(where)} {condition}) AS ev"
    )


def _breakdown_statement(dialect: str, dimension: Dimension, where: EventFilter) -> str:
    # Built from constants and dictionary ids; every other value is a bound parameter.
    revenue = stats_store._OWN_REVENUE.format(cur="ev.cur")
    parts = stats_store._exact_sum(dialect, revenue).split(", ")
    named = ", ".join(f"{part} AS r{n}" for n, part in enumerate(parts))
    columns = ", ".join(f"r.r{n}" for n in range(len(parts)))
    collate = _BYTES[dialect]
    return (
        f"{_ROWS[dialect]}, "  # noqa: S608
        "a AS (SELECT ev.g AS g, ev.v AS v, count(*) AS n, count(DISTINCT ev.visitor) AS u, "
        "sum(CASE WHEN ev.revenue_currency IS NOT NULL AND (ev.cur IS NULL OR "
        f"ev.revenue_currency <> ev.cur) THEN 1 ELSE 0 END) AS f, {named} "
        f"FROM {_events(dialect, dimension, where)} GROUP BY ev.g, ev.v), "
        f"l AS (SELECT a.*, COALESCE(k.value, {_EMPTY[dialect]}) AS label "
        "FROM a LEFT JOIN event_keys AS k ON k.id = a.v), "
        "r AS (SELECT l.*, ROW_NUMBER() OVER (PARTITION BY l.g "
        f"ORDER BY l.n DESC, l.label{collate}) AS rn FROM l JOIN p ON p.g = l.g "
        f"WHERE p.an IS NULL OR l.n < p.an OR (l.n = p.an AND l.label{collate} > p.av)) "
        f"SELECT r.g, r.v, r.label, r.n, r.u, r.f, {columns} FROM r JOIN p ON p.g = r.g "
        "WHERE r.rn <= p.lim ORDER BY r.g, r.rn"
    )


async def breakdown_goals(
    reader: Reader,
    requests: Sequence[stats_store.AggregateRequest],
    dimension: Dimension,
    pages: Sequence[BreakdownPage],
) -> dict[int, list[ValueAggregate]]:
    """Per request tag, a page of its values ranked by conversions then value.

    One statement per distinct filter among ``requests``.
    """
    found: dict[int, list[ValueAggregate]] = {r.tag: [] for r in requests}
    page_of = {page.tag: page for page in pages}
    dialect = stats_store._family(reader)
    for where, asking in stats_store.by_filter(requests).items():
        wanted = [page_of[r.tag] for r in asking if page_of[r.tag].limit > 0]
        if not wanted:
            continue
        params = {
            "rows": stats_store._goal_rows(asking),
            "pages": json.dumps(
                [
                    {
                        "g": page.tag,
                        "lim": page.limit,
                        "an": None if page.after is None else page.after[0],
                        "av": None if page.after is None else page.after[1],
                    }
                    for page in wanted
                ]
            ),
            "empty": dimension.empty_label,
        }
        statement = _breakdown_statement(dialect, dimension, where)
        for tag, value_id, label, *measures in await reader.heavy_rows(statement, params):
            found[int(tag)].append(
                ValueAggregate(
                    None if value_id is None else int(value_id),
                    str(label),
                    stats_store._aggregate(measures),
                )
            )
    return found


def _wanted_values(dialect: str) -> str:
    if dialect == "sqlite":
        return (
            "w AS (SELECT json_extract(value, '$.g') AS g, json_extract(value, '$.v') AS v "
            "FROM json_each(:wanted))"
        )
    return "w AS (SELECT * FROM jsonb_to_recordset(CAST(:wanted AS jsonb)) AS z(g int, v bigint))"


def _wanted(values: Sequence[tuple[int, int | None]]) -> str:
    return json.dumps([{"g": tag, "v": NO_VALUE if v is None else v} for tag, v in values])


async def foreign_revenue_by_value(
    reader: Reader,
    requests: Sequence[stats_store.AggregateRequest],
    dimension: Dimension,
    values: Sequence[tuple[int, int | None]],
) -> list[stats_store.ForeignRevenue]:
    """Revenue not in each goal's currency, by currency, UTC day and value (the
    ``bucket``: the value id, ``NO_VALUE`` for none), for the (tag, value id) asked."""
    if not values:
        return []
    dialect = stats_store._family(reader)
    foreign = (
        "AND ev.revenue_currency IS NOT NULL AND (m.cur IS NULL OR ev.revenue_currency <> m.cur)"
    )
    sums = stats_store._exact_sum(dialect, "ev.revenue_micros")
    found: list[stats_store.ForeignRevenue] = []
    for where, asking in stats_store.by_filter(requests).items():
        tags = {r.tag for r in asking}
        statement = (
            f"{stats_store._ROWS_SQLITE if dialect == 'sqlite' else stats_store._ROWS_POSTGRES}"  # noqa: S608
            f", {_wanted_values(dialect)} "
            f"SELECT ev.g, ev.revenue_currency, ev.ts / {stats_store._DAY_MS} AS d, "
            f"COALESCE(ev.v, {NO_VALUE}) AS b, count(*), {sums} "
            f"FROM {_events(dialect, dimension, where, foreign)} "
            f"WHERE EXISTS (SELECT 1 FROM w WHERE w.g = ev.g AND w.v = COALESCE(ev.v, {NO_VALUE})) "
            "GROUP BY ev.g, ev.revenue_currency, d, b"
        )
        params = {
            "rows": stats_store._goal_rows(asking),
            "wanted": _wanted([(tag, v) for tag, v in values if tag in tags]),
        }
        found.extend(
            stats_store.ForeignRevenue(
                int(g), str(c), int(d), int(b), int(n), stats_store._combine(parts) or 0
            )
            for g, c, d, b, n, *parts in await reader.heavy_rows(statement, params)
        )
    return found


async def visitors_by_value(
    reader: Reader,
    ranges: Sequence[tuple[int, int, int, int]],
    dimension: Dimension,
    values: Sequence[tuple[int, int | None]],
    where: EventFilter,
) -> dict[tuple[int, int | None], int]:
    """Distinct visitors with each value, for each (tag, site, start, end) and the
    (tag, value id) asked, counting the events that pass ``where``; one statement."""
    found: dict[tuple[int, int | None], int] = dict.fromkeys(values, 0)
    if not values:
        return found
    dialect = stats_store._family(reader)
    rows = json.dumps([{"g": t, "site": site, "s": s, "e": e} for t, site, s, e in ranges])
    if dialect == "sqlite":
        head = (
            "WITH r AS (SELECT json_extract(value, '$.g') AS g, "
            "json_extract(value, '$.site') AS site, json_extract(value, '$.s') AS s, "
            "json_extract(value, '$.e') AS e FROM json_each(:rows))"
        )
        join = "FROM r CROSS JOIN events AS ev WHERE ev.site_id = r.site"
    else:
        head = (
            "WITH r AS (SELECT * FROM jsonb_to_recordset(CAST(:rows AS jsonb)) "
            "AS x(g int, site int, s bigint, e bigint))"
        )
        join = "FROM r JOIN events AS ev ON ev.site_id = r.site"
    statement = (
        f"{head}, {_wanted_values(dialect)} "  # noqa: S608
        "SELECT x.g, x.v, count(DISTINCT x.visitor) FROM ("
        f"SELECT r.g AS g, ev.visitor AS visitor, "
        f"COALESCE({value_expression(dimension)}, {NO_VALUE}) AS v "
        f"{join} AND ev.ts >= r.s AND ev.ts < r.e{filter_sql(where)}) AS x "
        # Uncorrelated: the wanted values are read once (SQLite builds an index
        # of them), not once per event; pairs nobody asked for are dropped below.
        "WHERE x.v IN (SELECT w.v FROM w) GROUP BY x.g, x.v"
    )
    params = {"rows": rows, "wanted": _wanted(values)}
    for tag, value, visitors in await reader.heavy_rows(statement, params):
        key = (int(tag), None if int(value) == NO_VALUE else int(value))
        if key in found:
            found[key] = int(visitors)
    return found

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
from goalgate.storage import dialect
from goalgate.storage import stats as stats_store
from goalgate.storage.conditions import EventFilter, filter_sql, value_expression
from goalgate.storage.readers import Reader

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


# Each goal's page, from a second JSON parameter: how many rows, and the
# (conversions, label) of the last row before them.
_PAGE_FIELDS = (
    ("tag", "int"),
    ("row_limit", "int"),
    ("after_conversions", "bigint"),
    ("after_label", "text"),
)
# The (goal tag, value id) pairs whose revenue or visitors are asked.
_WANTED_FIELDS = (("tag", "int"), ("value_id", "bigint"))
# SQLite compares text byte by byte already; PostgreSQL by the database's locale.
_BYTES = {"sqlite": "", "postgresql": ' COLLATE "C"'}
_EMPTY = {"sqlite": ":empty", "postgresql": "CAST(:empty AS text)"}


def _events(
    dialect_name: str, dimension: Dimension, where: EventFilter, condition: str = ""
) -> str:
    """The goals' matching events with their value id of ``dimension`` as ``value_id``."""
    return (
        "(SELECT gk.tag AS tag, gk.currency AS currency, ev.visitor AS visitor, ev.ts AS ts, "
        "ev.revenue_currency AS revenue_currency, ev.revenue_micros AS revenue_micros, "
        f"{value_expression(dimension)} AS value_id "
        f"{stats_store.goal_events(dialect_name)}{filter_sql(where)} {condition}) AS ev"
    )


def _breakdown_statement(dialect_name: str, dimension: Dimension, where: EventFilter) -> str:
    # Built from constants and dictionary ids; every other value is a bound parameter.
    family = dialect.family(dialect_name)
    revenue = stats_store.OWN_REVENUE.format(cur="ev.currency")
    parts = stats_store.exact_sum(family, revenue).split(", ")
    named = ", ".join(f"{part} AS revenue{n}" for n, part in enumerate(parts))
    columns = ", ".join(f"ranked.revenue{n}" for n in range(len(parts)))
    collate = _BYTES[family]
    pages = dialect.json_rows(family, "pages", "pages", _PAGE_FIELDS)
    return (
        f"WITH {stats_store.goal_keys_cte(family)}, {pages}, "  # noqa: S608
        "totals AS (SELECT ev.tag AS tag, ev.value_id AS value_id, count(*) AS conversions, "
        "count(DISTINCT ev.visitor) AS uniques, "
        "sum(CASE WHEN ev.revenue_currency IS NOT NULL AND (ev.currency IS NULL OR "
        f"ev.revenue_currency <> ev.currency) THEN 1 ELSE 0 END) AS foreign_events, {named} "
        f"FROM {_events(family, dimension, where)} GROUP BY ev.tag, ev.value_id), "
        f"labelled AS (SELECT totals.*, COALESCE(k.value, {_EMPTY[family]}) AS label "
        "FROM totals LEFT JOIN event_keys AS k ON k.id = totals.value_id), "
        "ranked AS (SELECT labelled.*, ROW_NUMBER() OVER (PARTITION BY labelled.tag "
        f"ORDER BY labelled.conversions DESC, labelled.label{collate}) AS position "
        "FROM labelled JOIN pages AS pg ON pg.tag = labelled.tag "
        "WHERE pg.after_conversions IS NULL OR labelled.conversions < pg.after_conversions "
        "OR (labelled.conversions = pg.after_conversions "
        f"AND labelled.label{collate} > pg.after_label)) "
        "SELECT ranked.tag, ranked.value_id, ranked.label, ranked.conversions, "
        f"ranked.uniques, ranked.foreign_events, {columns} "
        "FROM ranked JOIN pages AS pg ON pg.tag = ranked.tag "
        "WHERE ranked.position <= pg.row_limit ORDER BY ranked.tag, ranked.position"
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
    family = dialect.family(reader.dialect)
    for where, asking in stats_store.by_filter(requests).items():
        wanted = [page_of[r.tag] for r in asking if page_of[r.tag].limit > 0]
        if not wanted:
            continue
        params = {
            "rows": stats_store.goal_rows(asking),
            "pages": json.dumps(
                [
                    {
                        "tag": page.tag,
                        "row_limit": page.limit,
                        "after_conversions": None if page.after is None else page.after[0],
                        "after_label": None if page.after is None else page.after[1],
                    }
                    for page in wanted
                ]
            ),
            "empty": dimension.empty_label,
        }
        statement = _breakdown_statement(family, dimension, where)
        rows = await reader.heavy_rows(statement, params, sites=stats_store.sites_of(asking))
        for tag, value_id, label, *measures in rows:
            found[int(tag)].append(
                ValueAggregate(
                    None if value_id is None else int(value_id),
                    str(label),
                    stats_store.aggregate_of(measures),
                )
            )
    return found


def _wanted_values(dialect_name: str) -> str:
    return dialect.json_rows(dialect_name, "wanted", "wanted", _WANTED_FIELDS)


def _wanted(values: Sequence[tuple[int, int | None]]) -> str:
    return json.dumps([{"tag": tag, "value_id": NO_VALUE if v is None else v} for tag, v in values])


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
    family = dialect.family(reader.dialect)
    foreign = (
        "AND ev.revenue_currency IS NOT NULL "
        "AND (gk.currency IS NULL OR ev.revenue_currency <> gk.currency)"
    )
    sums = stats_store.exact_sum(family, "ev.revenue_micros")
    found: list[stats_store.ForeignRevenue] = []
    for where, asking in stats_store.by_filter(requests).items():
        tags = {r.tag for r in asking}
        statement = (
            f"WITH {stats_store.goal_keys_cte(family)}, {_wanted_values(family)} "  # noqa: S608
            f"SELECT ev.tag, ev.revenue_currency, ev.ts / {stats_store.DAY_MS} AS day, "
            f"COALESCE(ev.value_id, {NO_VALUE}) AS bucket, count(*), {sums} "
            f"FROM {_events(family, dimension, where, foreign)} "
            "WHERE EXISTS (SELECT 1 FROM wanted AS w WHERE w.tag = ev.tag "
            f"AND w.value_id = COALESCE(ev.value_id, {NO_VALUE})) "
            "GROUP BY ev.tag, ev.revenue_currency, day, bucket"
        )
        params = {
            "rows": stats_store.goal_rows(asking),
            "wanted": _wanted([(tag, v) for tag, v in values if tag in tags]),
        }
        found.extend(
            stats_store.ForeignRevenue(
                int(g), str(c), int(d), int(b), int(n), stats_store.combine(parts) or 0
            )
            for g, c, d, b, n, *parts in await reader.heavy_rows(
                statement, params, sites=stats_store.sites_of(asking)
            )
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
    family = dialect.family(reader.dialect)
    statement = (
        f"WITH {stats_store.site_ranges_cte(family)}, {_wanted_values(family)} "  # noqa: S608
        "SELECT x.tag, x.value_id, count(DISTINCT x.visitor) FROM ("
        "SELECT sr.tag AS tag, ev.visitor AS visitor, "
        f"COALESCE({value_expression(dimension)}, {NO_VALUE}) AS value_id "
        f"{stats_store.site_events(family)}{filter_sql(where)}) AS x "
        # Uncorrelated: the wanted values are read once (SQLite builds an index
        # of them), not once per event; pairs nobody asked for are dropped below.
        "WHERE x.value_id IN (SELECT w.value_id FROM wanted AS w) GROUP BY x.tag, x.value_id"
    )
    rows = stats_store.site_range_rows(ranges)
    params = {"rows": rows, "wanted": _wanted(values)}
    sites = {site for _, site, _, _ in ranges}
    for tag, value, visitors in await reader.heavy_rows(statement, params, sites=sites):
        key = (int(tag), None if int(value) == NO_VALUE else int(value))
        if key in found:
            found[key] = int(visitors)
    return found

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
The statements are the SQL builder's (``storage.sql``); this module binds
their parameters and reads their rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from goalgate.domain.dimensions import Dimension
from goalgate.storage import sql
from goalgate.storage import stats as stats_store
from goalgate.storage.conditions import EventFilter
from goalgate.storage.readers import Reader

__all__ = [
    "NO_VALUE",
    "BreakdownPage",
    "ValueAggregate",
    "breakdown_goals",
    "foreign_revenue_by_value",
    "visitors_by_value",
]

# The bucket number of events without a value (ids start at 1).
NO_VALUE = sql.NO_VALUE


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


def _pages(pages: Sequence[BreakdownPage]) -> str:
    """The pages parameter (``sql.PAGES``)."""
    return sql.PAGES.value(
        (page.tag, page.limit, *(page.after if page.after is not None else (None, None)))
        for page in pages
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
    for where, asking in stats_store.by_filter(requests).items():
        wanted = [page_of[r.tag] for r in asking if page_of[r.tag].limit > 0]
        if not wanted:
            continue
        params = {
            "rows": stats_store.goal_rows(asking),
            "pages": _pages(wanted),
            "empty": dimension.empty_label,
        }
        statement = sql.breakdown(reader.dialect, dimension, where)
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


def _wanted(values: Sequence[tuple[int, int | None]]) -> str:
    """The wanted parameter (``sql.WANTED``): no value as ``NO_VALUE``."""
    return sql.WANTED.value((tag, NO_VALUE if v is None else v) for tag, v in values)


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
    found: list[stats_store.ForeignRevenue] = []
    for where, asking in stats_store.by_filter(requests).items():
        tags = {r.tag for r in asking}
        statement = sql.foreign_revenue_by_value(reader.dialect, dimension, where)
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
    statement = sql.visitors_by_value(reader.dialect, dimension, where)
    params = {"rows": stats_store.site_range_rows(ranges), "wanted": _wanted(values)}
    sites = {site for _, site, _, _ in ranges}
    for tag, value, visitors in await reader.heavy_rows(statement, params, sites=sites):
        key = (int(tag), None if int(value) == NO_VALUE else int(value))
        if key in found:
            found[key] = int(visitors)
    return found

"""Breakdowns: where a goal's conversions came from, one dimension at a time.

A breakdown is a goal's conversions, unique conversions and revenue per value
of a dimension (a source, a campaign, a country...), top values first: by
conversions, then by value, so that a page never depends on the backend or on
the order rows were stored. Pages follow a keyset cursor, the (conversions,
value) of the last row shown, so paging is stable while events arrive.

Revenue follows stats: in the goal's currency, other currencies converted at
the rate of their day; 0 for a value without revenue when the goal tracks
revenue, None when it does not. The conversion rate of a value is its unique
conversions over the site's distinct visitors with that value in the period
(and the same filter).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from goalgate.domain import cursors
from goalgate.domain.dimensions import Dimension
from goalgate.domain.filters import NO_FILTER, StatsFilter
from goalgate.domain.tokens import Principal, Scope
from goalgate.errors import ValidationFailed
from goalgate.services.currency import Converted, convert_foreign, goal_revenue
from goalgate.services.filters import event_filters
from goalgate.services.goals import find_goal
from goalgate.services.insights import conversion_rate
from goalgate.services.matching import KeyIndex
from goalgate.services.sites import SiteDirectory, visible_site
from goalgate.services.stats import StatsQuery, aggregate_requests, site_range
from goalgate.services.tokens import require
from goalgate.storage import breakdowns as breakdown_store
from goalgate.storage.db import Database

__all__ = [
    "DEFAULT_ROWS",
    "MAX_ROWS",
    "Breakdown",
    "BreakdownQuery",
    "BreakdownRow",
    "breakdowns_for",
    "decode_cursor",
    "dimension_named",
    "encode_cursor",
    "goal_breakdown",
    "page_size",
    "value_visitors",
]

DEFAULT_ROWS = 10
MAX_ROWS = 100


@dataclass(frozen=True, slots=True)
class BreakdownQuery:
    """A page of one goal's breakdown by ``dimension``: ``first`` rows after ``after``."""

    stats: StatsQuery
    dimension: Dimension
    first: int = DEFAULT_ROWS
    # (conversions, value) of the last row of the previous page.
    after: tuple[int, str] | None = None


@dataclass(frozen=True, slots=True)
class BreakdownRow:
    value: str  # the empty label ("(none)", "(unknown)") for events without a value
    conversions: int
    unique_conversions: int
    revenue: Decimal | None
    # The dictionary id of the value (None: no value), for its visitors.
    value_id: int | None


@dataclass(frozen=True, slots=True)
class Breakdown:
    rows: list[BreakdownRow]
    has_next_page: bool
    query: BreakdownQuery

    @property
    def end_cursor(self) -> str | None:
        return encode_cursor(self.rows[-1]) if self.rows else None


def dimension_named(name: str | None, field: str = "by") -> Dimension:
    """The dimension of its REST spelling (``utm_source``); a fault naming ``field``."""
    if name is None:
        raise ValidationFailed(f"{field} is required", fields={field: "is required"})
    try:
        return Dimension(name.strip().lower())
    except ValueError:
        known = ", ".join(d.value for d in Dimension)
        raise ValidationFailed(
            f"{field} is not valid", fields={field: f"must be one of {known}"}
        ) from None


def page_size(first: int | None, field: str = "first") -> int:
    """Rows per page: ``DEFAULT_ROWS`` when not given, 1 to ``MAX_ROWS``."""
    if first is None:
        return DEFAULT_ROWS
    if not 1 <= first <= MAX_ROWS:
        raise ValidationFailed(
            f"{field} is not valid", fields={field: f"must be between 1 and {MAX_ROWS}"}
        )
    return first


def encode_cursor(row: BreakdownRow) -> str:
    """An opaque position: the (conversions, value) rows are ordered by."""
    return cursors.encode_breakdown(row.conversions, row.value)


def decode_cursor(cursor: str | None, field: str = "after") -> tuple[int, str] | None:
    """The position of a cursor from ``encode_cursor``; a fault naming ``field`` otherwise."""
    return None if cursor is None else cursors.decode_breakdown(cursor, field)


async def breakdowns_for(
    db: Database, keys: KeyIndex, queries: Sequence[BreakdownQuery]
) -> list[Breakdown]:
    """A page of each query's breakdown: one statement per dimension and filter in
    the batch (and one more for foreign revenue, when a page has some)."""
    if not queries:
        return []
    requests = await aggregate_requests(keys, [q.stats for q in queries])
    by_dimension: dict[Dimension, list[int]] = defaultdict(list)
    for tag, query in enumerate(queries):
        by_dimension[query.dimension].append(tag)
    found: dict[int, list[breakdown_store.ValueAggregate]] = {}
    for dimension, tags in by_dimension.items():
        pages = [
            # One row more than asked tells whether there is a next page.
            breakdown_store.BreakdownPage(t, queries[t].first + 1, queries[t].after)
            for t in tags
        ]
        found.update(
            await breakdown_store.breakdown_goals(
                db.reader, [requests[t] for t in tags], dimension, pages
            )
        )
    foreign: dict[tuple[int, int | None], Converted] = {}
    for dimension, tags in by_dimension.items():
        paying = [
            (t, row.value_id)
            for t in tags
            for row in found[t][: queries[t].first]
            if row.aggregate.foreign
        ]
        if paying:
            rows = await breakdown_store.foreign_revenue_by_value(
                db.reader, [requests[t] for t in tags], dimension, paying
            )
            currencies = {t: queries[t].stats.goal.currency for t in tags}
            foreign.update(await convert_foreign(db, rows, currencies))
    results = []
    for tag, query in enumerate(queries):
        values = found[tag]
        currency = query.stats.goal.currency
        shown = []
        for value in values[: query.first]:
            bucket = breakdown_store.NO_VALUE if value.value_id is None else value.value_id
            other = foreign.get((tag, bucket), Converted())
            revenue = goal_revenue(value.aggregate.revenue_micros, other, currency)
            shown.append(
                BreakdownRow(
                    value=value.value,
                    conversions=value.aggregate.conversions,
                    unique_conversions=value.aggregate.unique_conversions,
                    revenue=revenue,
                    value_id=value.value_id,
                )
            )
        results.append(Breakdown(shown, len(values) > query.first, query))
    return results


def _visitors_group(query: BreakdownQuery) -> Hashable:
    return (query.dimension, query.stats.filter)


async def value_visitors(
    db: Database, keys: KeyIndex, asks: Sequence[tuple[BreakdownQuery, int | None]]
) -> list[int]:
    """Distinct visitors of each (breakdown, value id) in the breakdown's period and
    filter: one statement per dimension and filter in the batch."""
    groups: dict[Hashable, list[int]] = defaultdict(list)
    for index, (query, _) in enumerate(asks):
        groups[_visitors_group(query)].append(index)
    found: dict[int, int] = {}
    for indexes in groups.values():
        first = asks[indexes[0]][0]
        ranges: dict[tuple[int, int, int], int] = {}
        wanted: list[tuple[int, int | None]] = []
        for index in indexes:
            query, value_id = asks[index]
            rng = query.stats.range
            tag = ranges.setdefault((query.stats.site.id, rng.start_ms, rng.end_ms), len(ranges))
            wanted.append((tag, value_id))
        # One filter over several sites: one condition with the ids of all of them.
        [where, *_] = await event_filters(
            keys, [(asks[i][0].stats.site.id, asks[i][0].stats.filter) for i in indexes]
        )
        visitors = await breakdown_store.visitors_by_value(
            db.reader,
            [(tag, site, s, e) for (site, s, e), tag in ranges.items()],
            first.dimension,
            wanted,
            where,
        )
        for index, key in zip(indexes, wanted, strict=True):
            found[index] = visitors[key]
    return [found[index] for index in range(len(asks))]


async def goal_breakdown(
    db: Database,
    keys: KeyIndex,
    sites: SiteDirectory,
    principal: Principal,
    site_key: str,
    goal_id: str,
    *,
    by: str | None,
    period: str | None = None,
    start_date: str | None = None,
    end_date: str | None = None,
    limit: int | None = None,
    after: str | None = None,
    stats_filter: StatsFilter = NO_FILTER,
) -> tuple[Breakdown, list[float]]:
    """A page of one goal's breakdown and each row's conversion rate (scope analytics:read)."""
    require(principal, Scope.ANALYTICS_READ)
    dimension = dimension_named(by)
    size = page_size(limit, "limit")
    position = decode_cursor(after)
    site = await visible_site(sites, principal, site_key)
    goal = await find_goal(db.reader, site, goal_id)
    rng = site_range(site, period, start_date, end_date)
    stats = StatsQuery(site=site, goal=goal, range=rng, filter=stats_filter)
    query = BreakdownQuery(stats=stats, dimension=dimension, first=size, after=position)
    [breakdown] = await breakdowns_for(db, keys, [query])
    visitors = await value_visitors(db, keys, [(query, row.value_id) for row in breakdown.rows])
    rates = [
        conversion_rate(row.unique_conversions, seen)
        for row, seen in zip(breakdown.rows, visitors, strict=True)
    ]
    return breakdown, rates

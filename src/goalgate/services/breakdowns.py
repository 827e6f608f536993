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
from goalgate.domain.query import Query
from goalgate.domain.tokens import Principal
from goalgate.services.currency import Converted, convert_foreign, goal_revenue
from goalgate.services.filters import event_filters
from goalgate.services.insights import conversion_rate
from goalgate.services.matching import KeyIndex
from goalgate.services.queries import Analytics, Parse, authorised_query
from goalgate.services.stats import aggregate_requests
from goalgate.storage import breakdowns as breakdown_store
from goalgate.storage.db import Database

__all__ = [
    "Breakdown",
    "BreakdownRow",
    "breakdowns_for",
    "cursor_of",
    "goal_breakdown",
    "value_visitors",
]


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
    query: Query

    @property
    def end_cursor(self) -> str | None:
        return cursor_of(self.rows[-1]) if self.rows else None


def cursor_of(row: BreakdownRow) -> str:
    """The opaque position of a row: the (conversions, value) rows are ordered by."""
    return cursors.encode_breakdown(row.conversions, row.value)


async def breakdowns_for(db: Database, keys: KeyIndex, queries: Sequence[Query]) -> list[Breakdown]:
    """A page of each query's breakdown (by its dimension, one goal each): one
    statement per dimension and filter in the batch (and one more for foreign
    revenue, when a page has some)."""
    if not queries:
        return []
    requests = await aggregate_requests(keys, queries)
    by_dimension: dict[Dimension, list[int]] = defaultdict(list)
    for tag, query in enumerate(queries):
        by_dimension[_dimension(query)].append(tag)
    found: dict[int, list[breakdown_store.ValueAggregate]] = {}
    for dimension, tags in by_dimension.items():
        pages = [
            # One row more than asked tells whether there is a next page.
            breakdown_store.BreakdownPage(t, queries[t].page.first + 1, queries[t].page.after)
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
            for row in found[t][: queries[t].page.first]
            if row.aggregate.foreign
        ]
        if paying:
            rows = await breakdown_store.foreign_revenue_by_value(
                db.reader, [requests[t] for t in tags], dimension, paying
            )
            currencies = {t: queries[t].goal.currency for t in tags}
            foreign.update(await convert_foreign(db, rows, currencies))
    results = []
    for tag, query in enumerate(queries):
        values = found[tag]
        currency = query.goal.currency
        shown = []
        for value in values[: query.page.first]:
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
        results.append(Breakdown(shown, len(values) > query.page.first, query))
    return results


def _dimension(query: Query) -> Dimension:
    assert query.dimension is not None  # a breakdown query names its dimension
    return query.dimension


def _visitors_group(query: Query) -> Hashable:
    return (query.dimension, query.filter)


async def value_visitors(
    db: Database, keys: KeyIndex, asks: Sequence[tuple[Query, int | None]]
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
            rng = query.range
            tag = ranges.setdefault((query.site.id, rng.start_ms, rng.end_ms), len(ranges))
            wanted.append((tag, value_id))
        # One filter over several sites: one condition with the ids of all of them.
        [where, *_] = await event_filters(
            keys, [(asks[i][0].site.id, asks[i][0].filter) for i in indexes]
        )
        visitors = await breakdown_store.visitors_by_value(
            db.reader,
            [(tag, site, s, e) for (site, s, e), tag in ranges.items()],
            _dimension(first),
            wanted,
            where,
        )
        for index, key in zip(indexes, wanted, strict=True):
            found[index] = visitors[key]
    return [found[index] for index in range(len(asks))]


async def goal_breakdown(
    analytics: Analytics, principal: Principal, site_key: str, goal_id: str, parse: Parse
) -> tuple[Breakdown, list[float]]:
    """A page of one goal's breakdown and each row's conversion rate (scope analytics:read)."""
    query = await authorised_query(analytics, principal, site_key, parse, [goal_id])
    db, keys = analytics.db, analytics.key_index
    [breakdown] = await breakdowns_for(db, keys, [query])
    visitors = await value_visitors(db, keys, [(query, row.value_id) for row in breakdown.rows])
    rates = [
        conversion_rate(row.unique_conversions, seen)
        for row, seen in zip(breakdown.rows, visitors, strict=True)
    ]
    return breakdown, rates

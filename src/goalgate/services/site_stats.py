"""Site-level numbers: the first screen of every analytics tool.

Over a period of the site's calendar (and a filter): unique visitors, visits,
pageviews, views per visit, bounce rate (the share of visits that were one
event, a pageview) and visit duration (the mean, over all visits, of the time
from a visit's first event to its last); their time series; and a breakdown
of visitors and visits by a dimension, most visitors first, ties by value in
byte order, paged by a keyset cursor like the goal breakdown.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from goalgate.domain import cursors
from goalgate.domain.periods import DateRange, Interval, bucket_starts
from goalgate.domain.query import Query
from goalgate.domain.tokens import Principal
from goalgate.services.filters import event_filters
from goalgate.services.matching import KeyIndex
from goalgate.services.queries import Analytics, Parse, authorised_query
from goalgate.storage import site_stats as site_store
from goalgate.storage.db import Database

__all__ = [
    "SiteBreakdown",
    "SiteBreakdownRow",
    "SiteBucket",
    "SiteStats",
    "site_breakdown",
    "site_breakdowns_for",
    "site_cursor_of",
    "site_ranges",
    "site_stats",
    "site_stats_for",
    "site_timeseries_for",
]


@dataclass(frozen=True, slots=True)
class SiteStats:
    visitors: int
    visits: int
    pageviews: int
    bounces: int
    # Sum of the visits' durations (last event - first), in milliseconds.
    duration_ms: int
    range: DateRange

    @property
    def views_per_visit(self) -> float:
        """Pageviews per visit; 0 without visits."""
        return 0.0 if self.visits == 0 else self.pageviews / self.visits

    @property
    def bounce_rate(self) -> float:
        """The share of visits that were one pageview alone, 0 to 1; 0 without visits."""
        return 0.0 if self.visits == 0 else self.bounces / self.visits

    @property
    def visit_duration(self) -> float:
        """Mean seconds from a visit's first event to its last; 0 without visits."""
        return 0.0 if self.visits == 0 else self.duration_ms / self.visits / 1000


@dataclass(frozen=True, slots=True)
class SiteBucket:
    """One day, week or month of the site's numbers; ``start_date`` its first day in range."""

    start_date: date
    visitors: int
    visits: int


@dataclass(frozen=True, slots=True)
class SiteBreakdownRow:
    value: str  # the empty label ("(none)", "(unknown)") for events without a value
    visitors: int
    visits: int


@dataclass(frozen=True, slots=True)
class SiteBreakdown:
    rows: list[SiteBreakdownRow]
    has_next_page: bool
    query: Query

    @property
    def end_cursor(self) -> str | None:
        return site_cursor_of(self.rows[-1]) if self.rows else None


def site_cursor_of(row: SiteBreakdownRow) -> str:
    """The opaque position of a row: the (visitors, value) rows are ordered by."""
    return cursors.encode_breakdown(row.visitors, row.value)


async def site_ranges(keys: KeyIndex, queries: Sequence[Query]) -> list[site_store.SiteRange]:
    """Each query as the events it reads: its site's, in its range, under its filter."""
    wheres = await event_filters(keys, [(query.site.id, query.filter) for query in queries])
    return [
        site_store.SiteRange(tag, query.site.id, query.range.start_ms, query.range.end_ms, where)
        for tag, (query, where) in enumerate(zip(queries, wheres, strict=True))
    ]


async def site_stats_for(db: Database, keys: KeyIndex, queries: Sequence[Query]) -> list[SiteStats]:
    """The numbers of each query's site: one statement per distinct filter."""
    if not queries:
        return []
    found = await site_store.site_totals(db.reader, await site_ranges(keys, queries))
    return [
        SiteStats(
            visitors=totals.visitors,
            visits=totals.visits,
            pageviews=totals.pageviews,
            bounces=totals.bounces,
            duration_ms=totals.duration_ms,
            range=query.range,
        )
        for query, totals in ((q, found[tag]) for tag, q in enumerate(queries))
    ]


async def site_stats(
    analytics: Analytics, principal: Principal, site_key: str, parse: Parse
) -> SiteStats:
    """A site's numbers over a period (scope analytics:read)."""
    query = await authorised_query(analytics, principal, site_key, parse)
    [stats] = await site_stats_for(analytics.db, analytics.key_index, [query])
    return stats


async def site_timeseries_for(
    db: Database, keys: KeyIndex, queries: Sequence[Query], interval: Interval
) -> list[list[SiteBucket]]:
    """Zero-filled buckets of visitors and visits of each query's period: one
    statement per distinct calendar (time zone and period) and filter."""
    ranges = await site_ranges(keys, queries)
    groups: dict[tuple[date, date, str], list[int]] = defaultdict(list)
    for tag, query in enumerate(queries):
        groups[(query.range.start_date, query.range.end_date, query.range.timezone)].append(tag)
    series: list[list[SiteBucket]] = [[] for _ in queries]
    for tags in groups.values():
        starts = bucket_starts(queries[tags[0]].range, interval)
        found = await site_store.site_buckets(
            db.reader, [ranges[t] for t in tags], [start for _, start in starts]
        )
        for tag in tags:
            series[tag] = [
                SiteBucket(start_date, *found[tag].get(index, (0, 0)))
                for index, (start_date, _) in enumerate(starts)
            ]
    return series


async def site_breakdowns_for(
    db: Database, keys: KeyIndex, queries: Sequence[Query]
) -> list[SiteBreakdown]:
    """A page of each query's site breakdown by its dimension: one statement per
    dimension and filter."""
    ranges = await site_ranges(keys, queries)
    by_dimension: dict[object, list[int]] = defaultdict(list)
    for tag, query in enumerate(queries):
        by_dimension[query.dimension].append(tag)
    found: dict[int, list[site_store.ValueVisits]] = {}
    for tags in by_dimension.values():
        dimension = queries[tags[0]].dimension
        assert dimension is not None  # a breakdown query names its dimension
        # One row more than asked tells whether there is a next page.
        pages = [
            site_store.SitePage(t, queries[t].page.first + 1, queries[t].page.after) for t in tags
        ]
        found.update(
            await site_store.site_breakdown(db.reader, [ranges[t] for t in tags], dimension, pages)
        )
    results = []
    for tag, query in enumerate(queries):
        values = found[tag]
        rows = [SiteBreakdownRow(v.value, v.visitors, v.visits) for v in values[: query.page.first]]
        results.append(SiteBreakdown(rows, len(values) > query.page.first, query))
    return results


async def site_breakdown(
    analytics: Analytics, principal: Principal, site_key: str, parse: Parse
) -> SiteBreakdown:
    """A page of a site's visitors and visits by a dimension (scope analytics:read)."""
    query = await authorised_query(analytics, principal, site_key, parse)
    [breakdown] = await site_breakdowns_for(analytics.db, analytics.key_index, [query])
    return breakdown

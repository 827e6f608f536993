"""Goal insights beyond the documented numbers: time series, conversion rate,
period comparison, and previewing a goal before it is saved."""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from goalgate.domain.goals import GoalSpec
from goalgate.domain.periods import Interval, bucket_starts
from goalgate.domain.query import Query, QueryArgs
from goalgate.domain.tokens import Principal
from goalgate.services.currency import Converted, convert_foreign, goal_revenue
from goalgate.services.filters import event_filters
from goalgate.services.goals import GoalDraft
from goalgate.services.matching import KeyIndex
from goalgate.services.queries import Analytics, Parse, authorised_query
from goalgate.services.stats import GoalStats, aggregate_requests, stats_of_requests
from goalgate.storage import stats as stats_store
from goalgate.storage.conditions import EventFilter
from goalgate.storage.db import Database
from goalgate.storage.records import GoalRecord

__all__ = [
    "Bucket",
    "GoalPreview",
    "MatchedValue",
    "conversion_rate",
    "preview_goal",
    "relative_change",
    "timeseries_for",
    "visitors_for",
]

PREVIEW_TOP = 10


@dataclass(frozen=True, slots=True)
class Bucket:
    """One day, week or month of a goal's stats; ``start_date`` is its first day in range."""

    start_date: date
    conversions: int
    unique_conversions: int
    revenue: Decimal | None


@dataclass(frozen=True, slots=True)
class MatchedValue:
    value: str
    conversions: int


@dataclass(frozen=True, slots=True)
class GoalPreview:
    stats: GoalStats
    top_matches: list[MatchedValue]
    # The unsaved goal over its period, for further insights (time series, visitors).
    query: Query


def conversion_rate(unique_conversions: int, visitors: int) -> float:
    """Unique conversions over the site's unique visitors; 0 when it had none."""
    return 0.0 if visitors == 0 else unique_conversions / visitors


def relative_change(current: float, previous: float) -> float | None:
    """(current - previous) / previous; None when previous is 0 (no finite change)."""
    return None if previous == 0 else (current - previous) / previous


async def timeseries_for(
    db: Database, keys: KeyIndex, queries: Sequence[Query], interval: Interval
) -> list[list[Bucket]]:
    """Zero-filled buckets of each goal's period, summing exactly to its totals.

    One SQL statement per distinct calendar (time zone and period) in the batch.
    """
    requests = await aggregate_requests(keys, queries)
    groups: dict[tuple[date, date, str], list[int]] = defaultdict(list)
    for tag, query in enumerate(queries):
        groups[(query.range.start_date, query.range.end_date, query.range.timezone)].append(tag)
    series: list[list[Bucket]] = [[] for _ in queries]
    for tags in groups.values():
        rng = queries[tags[0]].range
        starts = bucket_starts(rng, interval)
        group = [requests[t] for t in tags]
        boundaries = [start for _, start in starts]
        found = await stats_store.aggregate_buckets(db.reader, group, boundaries)
        foreign: dict[tuple[int, int | None], Converted] = {}
        if any(a.foreign for buckets in found.values() for a in buckets.values()):
            rows = await stats_store.revenue_in_other_currencies(db.reader, group, boundaries)
            currencies = {t: queries[t].goal.currency for t in tags}
            foreign = await convert_foreign(db, rows, currencies)
        for tag in tags:
            currency = queries[tag].goal.currency
            series[tag] = [
                _bucket(
                    start_date,
                    found[tag].get(i, stats_store.EMPTY),
                    foreign.get((tag, i), Converted()),
                    currency,
                )
                for i, (start_date, _) in enumerate(starts)
            ]
    return series


def _bucket(
    start_date: date, aggregate: stats_store.Aggregate, other: Converted, currency: str | None
) -> Bucket:
    revenue = goal_revenue(aggregate.revenue_micros, other, currency)
    return Bucket(start_date, aggregate.conversions, aggregate.unique_conversions, revenue)


async def visitors_for(db: Database, keys: KeyIndex, queries: Sequence[Query]) -> list[int]:
    """Unique visitors of each query's site over its range, among the events that
    pass its filter: one SQL statement per distinct filter."""
    wheres = await event_filters(keys, [(query.site.id, query.filter) for query in queries])
    groups: dict[EventFilter, list[int]] = defaultdict(list)
    for tag, where in enumerate(wheres):
        groups[where].append(tag)
    found: dict[int, int] = {}
    for where, tags in groups.items():
        requests = [
            (t, queries[t].site.id, queries[t].range.start_ms, queries[t].range.end_ms)
            for t in tags
        ]
        found.update(await stats_store.site_visitors(db.reader, requests, where))
    return [found[tag] for tag in range(len(queries))]


async def preview_goal(
    analytics: Analytics, principal: Principal, site_key: str, draft: GoalDraft, parse: Parse
) -> GoalPreview:
    """The stats a goal would have, and the values it matches most; saves nothing.

    The definition passes the same rules as createGoal (the name is not asked),
    checked before the site is looked up (scope analytics:read).
    """

    checked: list[GoalSpec] = []

    def parse_with_goal() -> QueryArgs:
        # The definition is one more argument: checked with the others.
        checked.append(draft.validated())
        return parse()

    query = await authorised_query(analytics, principal, site_key, parse_with_goal)
    [spec] = checked
    query = dataclasses.replace(query, goals=(_draft(query.site.id, spec),))
    # The draft is matched once; its stats and its top values read the same keys.
    [request] = await aggregate_requests(analytics.key_index, [query])
    [stats] = await stats_of_requests(analytics.db, [query], [request])
    reader = analytics.db.reader
    top = await stats_store.conversions_by_key(reader, request, limit=PREVIEW_TOP)
    values = await analytics.key_index.values_of(query.site.id, spec.type, [key for key, _ in top])
    return GoalPreview(
        stats=stats,
        top_matches=[MatchedValue(v, n) for v, (_, n) in zip(values, top, strict=True)],
        query=query,
    )


def _draft(site_id: int, spec: GoalSpec) -> GoalRecord:
    """The unsaved goal of a preview, as a record the stats path reads like a saved one."""
    now = datetime.now(UTC)
    return GoalRecord(
        id="00000000-0000-0000-0000-000000000000",
        site_id=site_id,
        name=spec.name,
        type=spec.type.value,
        match_type=spec.match_type.value,
        match_value=spec.match_value,
        currency=spec.currency,
        created_at=now,
        updated_at=now,
        version=1,
    )

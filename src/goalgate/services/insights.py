"""Goal insights beyond the documented numbers: time series, conversion rate,
period comparison, and previewing a goal before it is saved."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from goalgate.domain.filters import NO_FILTER, StatsFilter
from goalgate.domain.goals import validate_goal
from goalgate.domain.periods import DateRange, Interval, bucket_starts
from goalgate.domain.tokens import Principal, Scope
from goalgate.services.currency import Converted, convert_foreign, goal_revenue
from goalgate.services.filters import event_filters
from goalgate.services.matching import KeyIndex
from goalgate.services.sites import SiteDirectory, visible_site
from goalgate.services.stats import (
    GoalStats,
    StatsQuery,
    aggregate_requests,
    site_range,
    stats_of_requests,
)
from goalgate.services.tokens import require
from goalgate.storage import stats as stats_store
from goalgate.storage.conditions import NO_CONDITIONS, EventFilter
from goalgate.storage.db import Database
from goalgate.storage.records import GoalRecord, SiteRecord

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
    query: StatsQuery


def conversion_rate(unique_conversions: int, visitors: int) -> float:
    """Unique conversions over the site's unique visitors; 0 when it had none."""
    return 0.0 if visitors == 0 else unique_conversions / visitors


def relative_change(current: float, previous: float) -> float | None:
    """(current - previous) / previous; None when previous is 0 (no finite change)."""
    return None if previous == 0 else (current - previous) / previous


async def timeseries_for(
    db: Database, keys: KeyIndex, queries: Sequence[StatsQuery], interval: Interval
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


async def visitors_for(
    db: Database,
    pairs: Sequence[tuple[SiteRecord, DateRange]],
    *,
    keys: KeyIndex | None = None,
    filters: Sequence[StatsFilter] | None = None,
) -> list[int]:
    """Unique visitors of each site over each range, among the events that pass
    each pair's filter (``filters``, resolved through ``keys``): one SQL
    statement per distinct filter."""
    chosen = list(filters) if filters is not None else [NO_FILTER] * len(pairs)
    wheres: list[EventFilter] = [NO_CONDITIONS] * len(pairs)
    if keys is not None and any(chosen):
        wheres = await event_filters(
            keys, [(site.id, f) for (site, _), f in zip(pairs, chosen, strict=True)]
        )
    groups: dict[EventFilter, list[int]] = defaultdict(list)
    for tag, where in enumerate(wheres):
        groups[where].append(tag)
    found: dict[int, int] = {}
    for where, tags in groups.items():
        requests = [(t, pairs[t][0].id, pairs[t][1].start_ms, pairs[t][1].end_ms) for t in tags]
        found.update(await stats_store.site_visitors(db.reader, requests, where))
    return [found[tag] for tag in range(len(pairs))]


async def preview_goal(
    db: Database,
    keys: KeyIndex,
    sites: SiteDirectory,
    principal: Principal,
    site_key: str,
    *,
    type: str,
    match_type: str,
    match_value: str,
    currency: str | None = None,
    period: str | None = None,
    start_date: str | None = None,
    end_date: str | None = None,
    stats_filter: StatsFilter = NO_FILTER,
) -> GoalPreview:
    """The stats a goal would have, and the values it matches most; saves nothing.

    The definition passes the same rules as createGoal (the name is not asked).
    """
    require(principal, Scope.ANALYTICS_READ)
    spec = validate_goal(
        name="preview",
        type=type,
        match_type=match_type,
        match_value=match_value,
        currency=currency,
    )
    site = await visible_site(sites, principal, site_key)
    rng = site_range(site, period, start_date, end_date)
    now = datetime.now(UTC)
    draft = GoalRecord(
        id="00000000-0000-0000-0000-000000000000",
        site_id=site.id,
        name=spec.name,
        type=spec.type.value,
        match_type=spec.match_type.value,
        match_value=spec.match_value,
        currency=spec.currency,
        created_at=now,
        updated_at=now,
        version=1,
    )
    query = StatsQuery(site=site, goal=draft, range=rng, filter=stats_filter)
    # The draft is matched once; its stats and its top values read the same keys.
    [request] = await aggregate_requests(keys, [query])
    [stats] = await stats_of_requests(db, [query], [request])
    top = await stats_store.conversions_by_key(db.reader, request, limit=PREVIEW_TOP)
    values = await keys.values_of(site.id, spec.type, [key for key, _ in top])
    return GoalPreview(
        stats=stats,
        top_matches=[MatchedValue(v, n) for v, (_, n) in zip(values, top, strict=True)],
        query=query,
    )

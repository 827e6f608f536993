"""Per-request DataLoaders: whatever many fields ask for is fetched in one batch.

A loader lives for one request (its cache must not outlive the request, nor be
shared between principals). Each batch reads through the runtime's reader.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from typing import TypeVar

from strawberry.dataloader import DataLoader

from goalgate.domain.periods import Interval
from goalgate.domain.query import Query
from goalgate.errors import Unavailable, ValidationFailed
from goalgate.runtime import Runtime
from goalgate.services import breakdowns as breakdown_service
from goalgate.services import goals as goal_service
from goalgate.services import insights as insight_service
from goalgate.services import site_stats as site_service
from goalgate.services import stats as stats_service
from goalgate.storage.records import GoalRecord

__all__ = ["Loaders", "SeriesQuery", "ValueVisitorsQuery"]


@dataclass(frozen=True, slots=True)
class SeriesQuery:
    """One goal's time series over a resolved period, in buckets of ``interval``."""

    query: Query
    interval: Interval


@dataclass(frozen=True, slots=True)
class ValueVisitorsQuery:
    """The visitors of one value of a breakdown (its conversion rate's denominator)."""

    breakdown: Query
    value_id: int | None


def _stats_key(query: Query) -> Hashable:
    # The version makes a goal edited earlier in the same request a new key.
    goal = query.goal
    rng = query.range
    return (goal.id, goal.version, rng.start_ms, rng.end_ms, rng.timezone, query.filter)


def _series_key(series: SeriesQuery) -> Hashable:
    # Keyed by what the goal matches, not its id: a previewed (unsaved) goal
    # has no id of its own, and two goals that match alike share one series.
    goal, rng = series.query.goal, series.query.range
    return (
        goal.site_id,
        goal.type,
        goal.match_type,
        goal.match_value,
        goal.currency,
        rng.start_ms,
        rng.end_ms,
        rng.timezone,
        series.interval,
        series.query.filter,
    )


def _visitors_key(query: Query) -> tuple[object, ...]:
    # A site's visitors: whatever the goal, the comparison or the page.
    return (query.site.id, query.range.start_ms, query.range.end_ms, query.filter)


def _breakdown_key(query: Query) -> Hashable:
    return (_stats_key(query), query.dimension, query.page)


def _site_series_key(series: SeriesQuery) -> Hashable:
    return (*_visitors_key(series.query), series.interval)


def _site_breakdown_key(query: Query) -> Hashable:
    return (*_visitors_key(query), query.dimension, query.page)


def _value_visitors_key(asked: ValueVisitorsQuery) -> Hashable:
    return (*_visitors_key(asked.breakdown), asked.breakdown.dimension, asked.value_id)


async def _alone(
    answer: Awaitable[list[stats_service.GoalStats]],
) -> stats_service.GoalStats | BaseException:
    """The one result of a batch of one, or its exception (DataLoader raises it for that key)."""
    try:
        [result] = await answer
    except Exception as exc:  # handed to the DataLoader, which raises it on that key
        return exc
    return result


# One query's series: a list of buckets of goal or site numbers.
_Bucket = TypeVar("_Bucket")


async def _per_interval(
    queries: list[SeriesQuery],
    series_of: Callable[[list[Query], Interval], Awaitable[list[_Bucket]]],
) -> list[_Bucket]:
    """Each series of the batch, with one ``series_of`` call per interval asked
    for (each a statement per calendar: site time zone and period)."""
    by_interval: dict[Interval, list[int]] = defaultdict(list)
    for index, query in enumerate(queries):
        by_interval[query.interval].append(index)
    found: dict[int, _Bucket] = {}
    for interval, indexes in by_interval.items():
        series = await series_of([queries[index].query for index in indexes], interval)
        found.update(zip(indexes, series, strict=True))
    return [found[index] for index in range(len(queries))]


class Loaders:
    """The loaders of one request."""

    __slots__ = (
        "breakdowns",
        "goals",
        "series",
        "site_breakdowns",
        "site_series",
        "site_stats",
        "stats",
        "value_visitors",
        "visitors",
    )

    def __init__(self, runtime: Runtime) -> None:
        db, keys = runtime.db, runtime.key_index

        async def load_stats(
            queries: list[Query],
        ) -> list[stats_service.GoalStats | BaseException]:
            # stats_for aggregates any number of goals in one statement.
            try:
                return list(await stats_service.stats_for(db, keys, queries))
            except (Unavailable, ValidationFailed):
                # The database, or matching over its time budget, not a goal:
                # asking again goal by goal cannot help.
                raise
            except Exception:
                if len(queries) == 1:
                    raise
            # One goal broke the batch: ask again goal by goal, so that its
            # error lands on its own stats field and the others are answered.
            return [await _alone(stats_service.stats_for(db, keys, [query])) for query in queries]

        async def load_series(
            queries: list[SeriesQuery],
        ) -> list[list[insight_service.Bucket]]:
            return await _per_interval(
                queries,
                lambda asked, interval: insight_service.timeseries_for(db, keys, asked, interval),
            )

        async def load_visitors(queries: list[Query]) -> list[int]:
            # visitors_for counts every (site, period) of the batch in one statement
            # (per distinct filter).
            return await insight_service.visitors_for(db, keys, queries)

        async def load_breakdowns(
            queries: list[Query],
        ) -> list[breakdown_service.Breakdown]:
            # One statement per dimension and filter, whatever the number of goals.
            return await breakdown_service.breakdowns_for(db, keys, queries)

        async def load_value_visitors(queries: list[ValueVisitorsQuery]) -> list[int]:
            return await breakdown_service.value_visitors(
                db, keys, [(q.breakdown, q.value_id) for q in queries]
            )

        async def load_site_stats(queries: list[Query]) -> list[site_service.SiteStats]:
            # One statement per distinct filter, whatever the number of sites and periods.
            return await site_service.site_stats_for(db, keys, queries)

        async def load_site_series(
            queries: list[SeriesQuery],
        ) -> list[list[site_service.SiteBucket]]:
            return await _per_interval(
                queries,
                lambda asked, interval: site_service.site_timeseries_for(db, keys, asked, interval),
            )

        async def load_site_breakdowns(queries: list[Query]) -> list[site_service.SiteBreakdown]:
            return await site_service.site_breakdowns_for(db, keys, queries)

        async def load_goals(goal_ids: list[str]) -> list[tuple[GoalRecord, str] | None]:
            # Query.node and Query.nodes: one statement for every goal id of the batch.
            return await goal_service.goals_by_ids(db.reader, goal_ids)

        # Not cached: a WebSocket keeps its loaders for as long as it is open,
        # and a goal edited meanwhile must not come back as it was.
        self.goals: DataLoader[str, tuple[GoalRecord, str] | None] = DataLoader(
            load_fn=load_goals, cache=False
        )
        self.site_stats: DataLoader[Query, site_service.SiteStats] = DataLoader(
            load_fn=load_site_stats, cache_key_fn=_visitors_key
        )
        self.site_series: DataLoader[SeriesQuery, list[site_service.SiteBucket]] = DataLoader(
            load_fn=load_site_series, cache_key_fn=_site_series_key
        )
        self.site_breakdowns: DataLoader[Query, site_service.SiteBreakdown] = DataLoader(
            load_fn=load_site_breakdowns, cache_key_fn=_site_breakdown_key
        )
        self.stats: DataLoader[Query, stats_service.GoalStats] = DataLoader(
            load_fn=load_stats, cache_key_fn=_stats_key
        )
        self.series: DataLoader[SeriesQuery, list[insight_service.Bucket]] = DataLoader(
            load_fn=load_series, cache_key_fn=_series_key
        )
        self.visitors: DataLoader[Query, int] = DataLoader(
            load_fn=load_visitors, cache_key_fn=_visitors_key
        )
        self.breakdowns: DataLoader[Query, breakdown_service.Breakdown] = DataLoader(
            load_fn=load_breakdowns, cache_key_fn=_breakdown_key
        )
        self.value_visitors: DataLoader[ValueVisitorsQuery, int] = DataLoader(
            load_fn=load_value_visitors, cache_key_fn=_value_visitors_key
        )

"""Goal stats: conversions, unique conversions and revenue of goals over a period.

Stats are computed from events at query time, so editing a goal applies to the
past too, and deleting then re-creating a goal gives back its history.

``aggregate_requests`` is the one builder of "these keys of this site over
this range" that stats, time series and previews share: a goal is matched
against its site's key dictionary once per call, whatever the caller does
with the result.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from goalgate.domain import money
from goalgate.domain.goals import GoalType, MatchType
from goalgate.domain.periods import DateRange
from goalgate.domain.query import Query
from goalgate.domain.tokens import Principal
from goalgate.services.currency import Converted, convert_foreign, goal_revenue
from goalgate.services.filters import event_filters
from goalgate.services.matching import GoalMatch, KeyIndex
from goalgate.services.queries import Analytics, Parse, authorised_query
from goalgate.storage import stats as stats_store
from goalgate.storage.db import Database

__all__ = [
    "GoalStats",
    "aggregate_requests",
    "goal_stats",
    "stats_for",
    "stats_of_requests",
]


@dataclass(frozen=True, slots=True)
class GoalStats:
    conversions: int
    unique_conversions: int
    # Exact sum in the goal's currency, converted amounts included; None when
    # the goal tracks no revenue.
    revenue: Decimal | None
    currency: str | None
    range: DateRange
    # Original amounts per currency sent, before any conversion.
    revenue_by_currency: dict[str, Decimal]
    # Events with revenue in a currency that no rate could convert.
    unconverted_conversions: int


async def aggregate_requests(
    keys: KeyIndex, queries: Sequence[Query]
) -> list[stats_store.AggregateRequest]:
    """Each query as the keys its goal matches over its range, and the conditions
    of its filter, tagged by position."""
    matches = await keys.matching_keys_many(
        [
            GoalMatch(
                site_id=query.site.id,
                goal_type=GoalType(query.goal.type),
                match_type=MatchType(query.goal.match_type),
                match_value=query.goal.match_value,
            )
            for query in queries
        ]
    )
    wheres = await event_filters(keys, [(query.site.id, query.filter) for query in queries])
    return [
        stats_store.AggregateRequest(
            tag=tag,
            site_id=query.site.id,
            key_ids=key_ids,
            start_ms=query.range.start_ms,
            end_ms=query.range.end_ms,
            currency=query.goal.currency,
            where=where,
        )
        for tag, (query, key_ids, where) in enumerate(zip(queries, matches, wheres, strict=True))
    ]


async def stats_for(db: Database, keys: KeyIndex, queries: Sequence[Query]) -> list[GoalStats]:
    """Stats of any number of goals with a constant number of SQL statements.

    Each query is one goal's (``services.queries`` built and authorised it).
    """
    if not queries:
        return []
    return await stats_of_requests(db, queries, await aggregate_requests(keys, queries))


async def stats_of_requests(
    db: Database,
    queries: Sequence[Query],
    requests: Sequence[stats_store.AggregateRequest],
) -> list[GoalStats]:
    """The stats of ``queries``, whose requests ``aggregate_requests`` built."""
    found = await stats_store.aggregate_goals(db.reader, requests)
    foreign: dict[tuple[int, int | None], Converted] = {}
    if any(aggregate.foreign for aggregate in found.values()):
        rows = await stats_store.revenue_in_other_currencies(db.reader, requests)
        currencies = {tag: query.goal.currency for tag, query in enumerate(queries)}
        foreign = await convert_foreign(db, rows, currencies)
    results = []
    for tag, query in enumerate(queries):
        aggregate = found[tag]
        other = foreign.get((tag, None), Converted())
        by_currency = dict(other.by_currency)
        revenue = goal_revenue(aggregate.revenue_micros, other, query.goal.currency)
        if query.goal.currency is not None and aggregate.revenue_micros is not None:
            by_currency[query.goal.currency] = money.from_micros(aggregate.revenue_micros)
        results.append(
            GoalStats(
                conversions=aggregate.conversions,
                unique_conversions=aggregate.unique_conversions,
                revenue=revenue,
                currency=query.goal.currency,
                range=query.range,
                revenue_by_currency=dict(sorted(by_currency.items())),
                unconverted_conversions=other.unconverted,
            )
        )
    return results


async def goal_stats(
    analytics: Analytics, principal: Principal, site_key: str, goal_id: str, parse: Parse
) -> GoalStats:
    """Stats of one goal over a period of the site's calendar, of the events that
    pass the query's filter (scope analytics:read)."""
    query = await authorised_query(analytics, principal, site_key, parse, [goal_id])
    [stats] = await stats_for(analytics.db, analytics.key_index, [query])
    return stats

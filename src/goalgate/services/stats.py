"""Goal stats: conversions, unique conversions and revenue of goals over a period.

Stats are computed from events at query time, so editing a goal applies to the
past too, and deleting then re-creating a goal gives back its history.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from goalgate.domain import money
from goalgate.domain.goals import GoalType, MatchType
from goalgate.domain.periods import DateRange, resolve_period
from goalgate.domain.tokens import Principal, Scope
from goalgate.services.goals import find_goal
from goalgate.services.matching import GoalMatch, key_index
from goalgate.services.sites import visible_site
from goalgate.services.tokens import require
from goalgate.storage import stats as stats_store
from goalgate.storage.db import Database
from goalgate.storage.tables import Goal, Site

__all__ = ["GoalStats", "StatsQuery", "goal_stats", "site_range", "stats_for"]


@dataclass(frozen=True, slots=True)
class GoalStats:
    conversions: int
    unique_conversions: int
    # Exact sum in the goal's currency; None when the goal tracks no revenue.
    revenue: Decimal | None
    currency: str | None
    range: DateRange


@dataclass(frozen=True, slots=True)
class StatsQuery:
    """One goal over one resolved period (its site already authorised)."""

    site: Site
    goal: Goal
    range: DateRange


def site_range(
    site: Site,
    period: str | None,
    first: date | str | None,
    last: date | str | None,
    *,
    now: datetime | None = None,
) -> DateRange:
    """Resolve a period on the site's calendar (ValidationFailed names the parameter)."""
    return resolve_period(
        period, timezone=site.timezone, now=now or datetime.now(UTC), first=first, last=last
    )


def _site_id(site: Site) -> int:
    assert site.id is not None  # rows read from the database always have one
    return site.id


async def stats_for(db: Database, queries: Sequence[StatsQuery]) -> list[GoalStats]:
    """Stats of any number of goals with a constant number of SQL statements.

    The callers must have authorised every site in ``queries``.
    """
    if not queries:
        return []
    index = key_index(db)
    async with db.read() as session:
        matches = await index.matching_keys_many(
            session,
            [
                GoalMatch(
                    site_id=_site_id(query.site),
                    goal_type=GoalType(query.goal.type),
                    match_type=MatchType(query.goal.match_type),
                    match_value=query.goal.match_value,
                )
                for query in queries
            ],
        )
        requests = [
            stats_store.AggregateRequest(
                tag=tag,
                site_id=_site_id(query.site),
                key_ids=key_ids,
                start_ms=query.range.start_ms,
                end_ms=query.range.end_ms,
                currency=query.goal.currency,
            )
            for tag, (query, key_ids) in enumerate(zip(queries, matches, strict=True))
        ]
        found = await stats_store.aggregate_goals(session, requests)
    results = []
    for tag, query in enumerate(queries):
        aggregate = found[tag]
        revenue: Decimal | None = None
        if query.goal.currency is not None:
            revenue = money.from_micros(aggregate.revenue_micros or 0)
        results.append(
            GoalStats(
                conversions=aggregate.conversions,
                unique_conversions=aggregate.unique_conversions,
                revenue=revenue,
                currency=query.goal.currency,
                range=query.range,
            )
        )
    return results


async def goal_stats(
    db: Database,
    principal: Principal,
    site_key: str,
    goal_id: str,
    *,
    period: str | None = None,
    first: str | None = None,
    last: str | None = None,
) -> GoalStats:
    """Stats of one goal over a period of the site's calendar (scope analytics:read)."""
    require(principal, Scope.ANALYTICS_READ)
    async with db.read() as session:
        site = await visible_site(session, principal, site_key)
        goal = await find_goal(session, site, goal_id)
    rng = site_range(site, period, first, last)
    [stats] = await stats_for(db, [StatsQuery(site=site, goal=goal, range=rng)])
    return stats

"""Goal stats: conversions, unique conversions and revenue of goals over a period.

Stats are computed from events at query time, so editing a goal applies to the
past too, and deleting then re-creating a goal gives back its history.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlmodel.ext.asyncio.session import AsyncSession

from goalgate.domain import money
from goalgate.domain.goals import GoalType, MatchType
from goalgate.domain.periods import DateRange, resolve_period
from goalgate.domain.tokens import Principal, Scope
from goalgate.services.currency import Converted, convert_foreign
from goalgate.services.goals import find_goal
from goalgate.services.matching import key_index
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
    # Exact sum in the goal's currency, converted amounts included; None when
    # the goal tracks no revenue.
    revenue: Decimal | None
    currency: str | None
    range: DateRange
    # Original amounts per currency sent, before any conversion.
    revenue_by_currency: dict[str, Decimal]
    # Events with revenue in a currency that no rate could convert.
    unconverted_conversions: int


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


async def stats_for(db: Database, queries: Sequence[StatsQuery]) -> list[GoalStats]:
    """Stats of any number of goals with a constant number of SQL statements.

    Opens a session of its own, so concurrent batches never share one. The
    callers must have authorised every site in ``queries``.
    """
    if not queries:
        return []
    async with db.read() as session:
        return await _compute(db, session, queries)


async def _compute(
    db: Database, session: AsyncSession, queries: Sequence[StatsQuery]
) -> list[GoalStats]:
    index = key_index(db)
    requests = []
    for tag, query in enumerate(queries):
        assert query.site.id is not None
        key_ids = await index.matching_keys(
            session,
            site_id=query.site.id,
            goal_type=GoalType(query.goal.type),
            match_type=MatchType(query.goal.match_type),
            match_value=query.goal.match_value,
        )
        requests.append(
            stats_store.AggregateRequest(
                tag=tag,
                site_id=query.site.id,
                key_ids=key_ids,
                start_ms=query.range.start_ms,
                end_ms=query.range.end_ms,
                currency=query.goal.currency,
            )
        )
    found = await stats_store.aggregate_goals(session, requests)
    foreign: dict[tuple[int, int | None], Converted] = {}
    if any(aggregate.foreign for aggregate in found.values()):
        rows = await stats_store.revenue_in_other_currencies(session, requests)
        currencies = {tag: query.goal.currency for tag, query in enumerate(queries)}
        foreign = await convert_foreign(session, rows, currencies)
    results = []
    for tag, query in enumerate(queries):
        aggregate = found[tag]
        other = foreign.get((tag, None), Converted())
        own = money.from_micros(aggregate.revenue_micros or 0)
        by_currency = dict(other.by_currency)
        revenue: Decimal | None = None
        if query.goal.currency is not None:
            revenue = own + other.amount
            if aggregate.revenue_micros is not None:
                by_currency[query.goal.currency] = own
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
        [stats] = await _compute(db, session, [StatsQuery(site=site, goal=goal, range=rng)])
    return stats

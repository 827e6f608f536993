"""Funnels: how many visitors go through an ordered list of a site's goals.

A funnel is 2 to 8 goals of one site, asked per request (none is saved). A
visitor reaches step k when one of their visits holds conversions of steps 1
to k in that order, each after the one before it; conversions in different
visits do not add up. Each step reports its visitors, their share of step 1's
(0 to 1) and how many of the previous step's visitors it lost (0 for step 1).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from goalgate.domain.query import GoalRef, Query, QueryArgs
from goalgate.domain.tokens import Principal
from goalgate.errors import ValidationFailed
from goalgate.services.matching import KeyIndex
from goalgate.services.queries import Analytics, Parse, authorised_query
from goalgate.services.stats import aggregate_requests
from goalgate.storage import site_stats as site_store
from goalgate.storage.db import Database

__all__ = ["MAX_STEPS", "MIN_STEPS", "Funnel", "FunnelStep", "check_steps", "funnel", "funnel_for"]

MIN_STEPS = 2
MAX_STEPS = 8


@dataclass(frozen=True, slots=True)
class FunnelStep:
    goal: GoalRef
    visitors: int
    # visitors / step 1's visitors, 0 to 1 (0 when step 1 had none).
    conversion_rate: float
    # The previous step's visitors who did not reach this one (0 for step 1).
    drop_off: int


@dataclass(frozen=True, slots=True)
class Funnel:
    steps: list[FunnelStep]
    query: Query


def check_steps(steps: Sequence[str], field: str = "steps") -> None:
    """ValidationFailed naming ``field`` unless there are MIN_STEPS to MAX_STEPS steps."""
    if not MIN_STEPS <= len(steps) <= MAX_STEPS:
        raise ValidationFailed(
            f"{field} is not valid",
            fields={field: f"must name {MIN_STEPS} to {MAX_STEPS} goals"},
        )


async def funnel_for(db: Database, keys: KeyIndex, query: Query) -> Funnel:
    """The funnel through ``query.goals``, in order: one statement."""
    one_goal = [Query(query.site, query.range, (goal,), query.filter) for goal in query.goals]
    # Each step's keys; the filter is resolved with them (the same for every step).
    requests = await aggregate_requests(keys, one_goal)
    span = site_store.SiteRange(
        0, query.site.id, query.range.start_ms, query.range.end_ms, requests[0].where
    )
    reached = await site_store.funnel_visitors(
        db.reader, span, [request.key_ids for request in requests]
    )
    first = reached[0]
    steps = [
        FunnelStep(
            goal=goal,
            visitors=visitors,
            conversion_rate=0.0 if first == 0 else visitors / first,
            drop_off=0 if k == 0 else reached[k - 1] - visitors,
        )
        for k, (goal, visitors) in enumerate(zip(query.goals, reached, strict=True))
    ]
    return Funnel(steps, query)


async def funnel(
    analytics: Analytics,
    principal: Principal,
    site_key: str,
    steps: Sequence[str],
    parse: Parse,
) -> Funnel:
    """The funnel through the site's goals ``steps`` (ids), over a period (scope
    analytics:read); 2 to 8 steps (422 naming ``steps``), each a goal of the site (404)."""

    def parse_with_steps() -> QueryArgs:
        check_steps(steps)  # an argument like the others: checked before any lookup
        return parse()

    query = await authorised_query(analytics, principal, site_key, parse_with_steps, steps)
    return await funnel_for(analytics.db, analytics.key_index, query)

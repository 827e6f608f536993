"""The live ``conversions`` subscription (graphql-transport-ws).

The token travels in ``connection_init`` (see controller.on_ws_connect); the
subscription needs analytics:read like every query. Each committed event of
the site reaches this worker through the live hub (services.live), whichever
worker stored it, and is matched here against the watched goals. Watching all
of a site's goals follows goals created or changed later (re-read every
``GOALS_REFRESH_S``). The token is checked again at least every
``TOKEN_CHECK_S``, events or not (through the principal cache, whose own bound
is 1 s): a revoked token's subscription ends with UNAUTHENTICATED within 2 s.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncGenerator, Callable
from datetime import UTC, datetime
from typing import Annotated

import strawberry
from strawberry.types import Info

from goalgate.api.graphql.context import GraphQLContext
from goalgate.api.graphql.types import Goal, Money, Site
from goalgate.domain import money
from goalgate.domain.goals import GoalType, MatchType, compile_matcher, event_kind_of
from goalgate.domain.tokens import Principal
from goalgate.metrics import open_subscription
from goalgate.runtime import Runtime
from goalgate.services import goals as goal_service
from goalgate.services import live
from goalgate.services import tokens as token_service
from goalgate.services.sites import readable_site

__all__ = ["Conversion", "Subscription"]

GOALS_REFRESH_S = 30.0
TOKEN_CHECK_S = 0.5


@strawberry.type(description="One conversion, as it is stored.")
class Conversion:
    goal: Goal = strawberry.field(description="The goal it triggered.")
    value: str = strawberry.field(description="The page path or event name that triggered it.")
    occurred_at: datetime = strawberry.field(description="When it happened (UTC).")
    revenue: Money | None = strawberry.field(
        description="The revenue sent with it, in the currency it was sent in."
    )


Watched = list[tuple[Goal, str, Callable[[str], bool]]]


async def _watched(
    runtime: Runtime, principal: Principal, site_key: str, goal_id: str | None
) -> tuple[int, Watched]:
    """The site's id and the goals to match (event kind + predicate), as the token sees them."""
    reader, sites = runtime.db.reader, runtime.sites
    # An unseen site or goal raises NotFound: a NOT_FOUND error ends the subscription.
    site_row = await readable_site(sites, principal, site_key)
    if goal_id is None:
        rows = await goal_service.list_goals(reader, sites, principal, site_key)
    else:
        rows = [await goal_service.get_goal(reader, sites, principal, site_key, goal_id)]
    site = Site.from_row(site_row)
    return site_row.id, [
        (
            Goal.from_row(row, site),
            event_kind_of(GoalType(row.type)).value,
            compile_matcher(MatchType(row.match_type), row.match_value),
        )
        for row in rows
    ]


def _conversion(goal: Goal, event: live.LiveEvent) -> Conversion:
    revenue = None
    if event.revenue_micros is not None and event.revenue_currency is not None:
        amount = money.display_amount(
            money.from_micros(event.revenue_micros), event.revenue_currency
        )
        revenue = Money(amount=amount, currency=event.revenue_currency)
    return Conversion(
        goal=goal,
        value=event.value,
        occurred_at=datetime.fromtimestamp(event.ts / 1000, tz=UTC),
        revenue=revenue,
    )


@strawberry.type(description="Live data, over the graphql-transport-ws WebSocket at /graphql.")
class Subscription:
    @strawberry.subscription(
        description="Each conversion of a site's goals (or of one goal) as it is "
        "stored, from any worker. Needs analytics:read; the token goes in the "
        "connection_init payload as Authorization: Bearer <token>. An unknown or "
        "unseen site or goal ends the subscription with a NOT_FOUND error."
    )
    async def conversions(
        self,
        info: Info[GraphQLContext, None],
        site_key: Annotated[
            str, strawberry.argument(description="The site's key, e.g. sk_abc123def456.")
        ],
        goal_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="Only this goal's conversions; null for every goal."),
        ] = None,
    ) -> AsyncGenerator[Conversion, None]:
        context = info.context
        runtime = context.runtime
        principal = token_service.analytics_reader(await context.principal())
        site_id, watched = await _watched(runtime, principal, site_key, goal_id)
        refresh_at = time.monotonic() + GOALS_REFRESH_S
        async with runtime.hub.subscribe(site_id) as queue, open_subscription(runtime.metrics):
            while True:
                try:
                    event = await asyncio.wait_for(queue.get(), timeout=TOKEN_CHECK_S)
                except TimeoutError:
                    event = None
                # Tokens get revoked: idle or not, a subscription re-checks its token.
                principal = token_service.analytics_reader(await context.principal())
                if time.monotonic() >= refresh_at:
                    # Goals change: look again now and then.
                    site_id, watched = await _watched(runtime, principal, site_key, goal_id)
                    refresh_at = time.monotonic() + GOALS_REFRESH_S
                if event is None:
                    continue
                for goal, event_kind, matches in watched:
                    if event.kind == event_kind and matches(event.value):
                        yield _conversion(goal, event)

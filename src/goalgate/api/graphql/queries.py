"""The root query: a site, a goal, the token's own view, and a goal's preview.

A site or goal the token may not see resolves to null, exactly like one that
does not exist: the services raise the same NotFound for both.
"""

from __future__ import annotations

from datetime import date
from functools import partial
from typing import Annotated

import strawberry
from strawberry.types import Info

from goalgate.api.graphql.arguments import PeriodArguments, query_args
from goalgate.api.graphql.context import GraphQLContext
from goalgate.api.graphql.enums import Period
from goalgate.api.graphql.filters import StatsFilter
from goalgate.api.graphql.inputs import GoalMatchInput
from goalgate.api.graphql.mutations import UserError, user_errors
from goalgate.api.graphql.types import Goal, GoalStats, Site, Viewer
from goalgate.domain.query import DEFAULT_PERIOD
from goalgate.errors import NotFound, ValidationFailed
from goalgate.services import goals as goal_service
from goalgate.services import insights as insight_service
from goalgate.services import sites as site_service
from goalgate.services import tokens as token_service

__all__ = ["GoalPreview", "MatchedValue", "Query"]

# Arguments of previewGoal that the period rules name; a fault in them is a
# top-level BAD_USER_INPUT, as for Goal.stats, not a userError on the input.
_PERIOD_ARGUMENTS = frozenset({"period", "from", "to", "filter"})


@strawberry.type(description="A path (PAGEVIEW) or name (EVENT, CUSTOM) a goal matches.")
class MatchedValue:
    value: str
    conversions: int = strawberry.field(description="Its events in the period.")


@strawberry.type(
    description="What a goal would show if it were saved; nothing is saved. Invalid input "
    'gives the userErrors createGoal gives (INVALID, field ["input", ...]) and null stats.'
)
class GoalPreview:
    stats: GoalStats | None = strawberry.field(
        description="The goal's stats over the period; null when userErrors is not empty."
    )
    top_matches: list[MatchedValue] = strawberry.field(
        description=f"The {insight_service.PREVIEW_TOP} values with the most conversions, "
        "most first (ties by first seen); empty when userErrors is not empty."
    )
    user_errors: list[UserError]


@strawberry.type
class Query:
    @strawberry.field(description="A site by its key.")
    async def site(self, info: Info[GraphQLContext, None], key: str) -> Site | None:
        principal = await info.context.principal()
        try:
            row = await site_service.readable_site(info.context.runtime.sites, principal, key)
        except NotFound:
            return None
        return Site.from_row(row)

    @strawberry.field(description="A goal of a site by its id.")
    async def goal(
        self, info: Info[GraphQLContext, None], site_key: str, id: strawberry.ID
    ) -> Goal | None:
        principal = await info.context.principal()
        runtime = info.context.runtime
        try:
            site = await site_service.readable_site(runtime.sites, principal, site_key)
            row = await goal_service.find_goal(runtime.db.reader, site, str(id))
        except NotFound:
            return None
        return Goal.from_row(row, Site.from_row(site))

    @strawberry.field(description="The token making the request.")
    async def viewer(self, info: Info[GraphQLContext, None]) -> Viewer:
        principal = token_service.analytics_reader(await info.context.principal())
        return Viewer(
            name=principal.name,
            scopes=sorted(scope.value for scope in principal.scopes),
            principal=principal,
        )

    @strawberry.field(
        description="The stats and top matched values a goal would have over a period, "
        "without saving it; null for a site this token may not see. Period arguments as "
        "in Goal.stats (mistakes are BAD_USER_INPUT errors).",
    )
    async def preview_goal(
        self,
        info: Info[GraphQLContext, None],
        site_key: str,
        data: Annotated[GoalMatchInput, strawberry.argument(name="input")],
        period: Period | None = DEFAULT_PERIOD,
        start_date: Annotated[date | None, strawberry.argument(name="from")] = None,
        end_date: Annotated[date | None, strawberry.argument(name="to")] = None,
        filter: Annotated[
            list[StatsFilter] | None,
            strawberry.argument(description="Count only the events that pass every clause."),
        ] = None,
    ) -> GoalPreview | None:
        principal = await info.context.principal()
        goal = goal_service.GoalDraft.of(data)
        parse = partial(query_args, PeriodArguments(period, start_date, end_date, filter))
        try:
            analytics = info.context.runtime.analytics
            preview = await insight_service.preview_goal(
                analytics, principal, site_key, goal, parse
            )
        except NotFound:
            return None
        except ValidationFailed as exc:
            if exc.fields and exc.fields.keys() <= _PERIOD_ARGUMENTS:
                raise  # a top-level BAD_USER_INPUT (errors.CodedErrors)
            return GoalPreview(stats=None, top_matches=[], user_errors=user_errors(exc))
        return GoalPreview(
            stats=GoalStats.from_service(preview.stats, preview.query),
            top_matches=[
                MatchedValue(value=match.value, conversions=match.conversions)
                for match in preview.top_matches
            ],
            user_errors=[],
        )

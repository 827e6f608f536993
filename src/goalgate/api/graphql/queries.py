"""The root query: a site, a goal, any object by its global id, the token's own view,
and a goal's preview.

A site or goal the token may not see resolves to null, exactly like one that
does not exist: the services raise the same NotFound for both. ``node`` and
``nodes`` (see ``node``) answer null for an id that names nothing, a
malformed one included, and take the same scope as ``site`` and ``goal``.
"""

from __future__ import annotations

import asyncio
from functools import partial
from typing import Annotated

import strawberry
from strawberry.types import Info

from goalgate.api.graphql.arguments import (
    FilterArgument,
    FromArgument,
    PeriodArgument,
    PeriodArguments,
    ToArgument,
    query_args,
)
from goalgate.api.graphql.context import GraphQLContext
from goalgate.api.graphql.inputs import GoalMatchInput
from goalgate.api.graphql.mutations import UserError, user_errors
from goalgate.api.graphql.node import MAX_NODE_IDS, Node, site_key_of
from goalgate.api.graphql.types import Goal, GoalStats, Site, Viewer
from goalgate.domain.query import DEFAULT_PERIOD
from goalgate.domain.tokens import Principal
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
    value: str = strawberry.field(description="The page path or event or goal name.")
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
    user_errors: list[UserError] = strawberry.field(
        description="Why the input cannot be a goal; empty when it can."
    )


_SITE_KEY = "The site's key, e.g. sk_abc123def456."
SiteKey = Annotated[str, strawberry.argument(description=_SITE_KEY)]
GoalId = Annotated[strawberry.ID, strawberry.argument(description="The goal's id (a UUID).")]


@strawberry.type(description="What a token may read: its sites, their goals and their numbers.")
class Query:
    @strawberry.field(description="A site by its key; null when the token may not see it.")
    async def site(
        self,
        info: Info[GraphQLContext, None],
        key: Annotated[str, strawberry.argument(description=_SITE_KEY)],
    ) -> Site | None:
        principal = await info.context.principal()
        try:
            row = await site_service.readable_site(info.context.runtime.sites, principal, key)
        except NotFound:
            return None
        return Site.from_row(row)

    @strawberry.field(
        description="A goal of a site by its id; null when it is not that site's or the "
        "token may not see it."
    )
    async def goal(
        self, info: Info[GraphQLContext, None], site_key: SiteKey, id: GoalId
    ) -> Goal | None:
        principal = await info.context.principal()
        runtime = info.context.runtime
        try:
            site = await site_service.readable_site(runtime.sites, principal, site_key)
            row = await goal_service.find_goal(runtime.db.reader, site, str(id))
        except NotFound:
            return None
        return Goal.from_row(row, Site.from_row(site))

    @strawberry.field(
        description="The object of a global id (Node.id); null for an id that names "
        "nothing, is malformed, or names an object this token may not see."
    )
    async def node(
        self,
        info: Info[GraphQLContext, None],
        id: Annotated[strawberry.ID, strawberry.argument(description="A Node.id.")],
    ) -> Node | None:
        principal = token_service.analytics_reader(await info.context.principal())
        return await _node(info, principal, str(id))

    @strawberry.field(
        description=f"The objects of up to {MAX_NODE_IDS} global ids, in the order given; "
        "null where node would be (BAD_USER_INPUT for more ids)."
    )
    async def nodes(
        self,
        info: Info[GraphQLContext, None],
        ids: Annotated[
            list[strawberry.ID],
            strawberry.argument(description=f"Node ids, at most {MAX_NODE_IDS}."),
        ],
    ) -> list[Node | None]:
        principal = token_service.analytics_reader(await info.context.principal())
        if len(ids) > MAX_NODE_IDS:
            raise ValidationFailed(
                f"nodes takes at most {MAX_NODE_IDS} ids",
                fields={"ids": f"at most {MAX_NODE_IDS} ids, got {len(ids)}"},
            )
        # The goals among the ids go to the goals loader in one batch.
        found = await asyncio.gather(*(_node(info, principal, str(node_id)) for node_id in ids))
        return list(found)

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
        site_key: SiteKey,
        data: Annotated[
            GoalMatchInput,
            strawberry.argument(name="input", description="The goal to try, without a name."),
        ],
        period: PeriodArgument = DEFAULT_PERIOD,
        start_date: FromArgument = None,
        end_date: ToArgument = None,
        filter: FilterArgument = None,
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


async def _node(
    info: Info[GraphQLContext, None], principal: Principal, node_id: str
) -> Goal | Site | None:
    """The site or goal of a global id, if it exists and ``principal`` may see it."""
    runtime = info.context.runtime
    key = site_key_of(node_id)
    try:
        if key is not None:
            return Site.from_row(await site_service.readable_site(runtime.sites, principal, key))
        if goal_service.parse_goal_id(node_id) is None:
            return None
        found = await info.context.loaders.goals.load(node_id)
        if found is None:
            return None
        record, site_key = found
        # Another site's goal is refused here exactly as an unknown id: null.
        site = await site_service.readable_site(runtime.sites, principal, site_key)
    except NotFound:
        return None
    return Goal.from_row(record, Site.from_row(site))

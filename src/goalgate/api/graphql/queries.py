"""The root query: a site, a goal, and the token's own view.

A site or goal the token may not see resolves to null, exactly like one that
does not exist: the services raise the same NotFound for both.
"""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from goalgate.api.graphql.context import GraphQLContext
from goalgate.api.graphql.permissions import CanRead
from goalgate.api.graphql.types import Goal, Site, Viewer
from goalgate.errors import NotFound
from goalgate.services import goals as goal_service
from goalgate.services import sites as site_service

__all__ = ["Query"]


@strawberry.type
class Query:
    @strawberry.field(permission_classes=[CanRead], description="A site by its key.")
    async def site(self, info: Info[GraphQLContext, None], key: str) -> Site | None:
        principal = await info.context.principal()
        try:
            async with info.context.reads.session() as session:
                row = await site_service.visible_site(session, principal, key)
        except NotFound:
            return None
        return Site.from_row(row)

    @strawberry.field(permission_classes=[CanRead], description="A goal of a site by its id.")
    async def goal(
        self, info: Info[GraphQLContext, None], site_key: str, id: strawberry.ID
    ) -> Goal | None:
        principal = await info.context.principal()
        try:
            async with info.context.reads.session() as session:
                site = await site_service.visible_site(session, principal, site_key)
                row = await goal_service.find_goal(session, site, str(id))
        except NotFound:
            return None
        return Goal.from_row(row, Site.from_row(site))

    @strawberry.field(permission_classes=[CanRead], description="The token making the request.")
    async def viewer(self, info: Info[GraphQLContext, None]) -> Viewer:
        principal = await info.context.principal()
        return Viewer(
            name=principal.name,
            scopes=sorted(scope.value for scope in principal.scopes),
            principal=principal,
        )

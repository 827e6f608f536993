"""Scope checks: queries need analytics:read, mutations analytics:write.

Every root field carries its permission. Below the roots, the fields that
lead to analytics data (``Site.goals``, ``Goal.stats``,
``GoalConnection.totalCount``) carry ``CanRead`` themselves, because a root
does not decide the scope of what it returns: a mutation, authorised with
analytics:write alone, returns a ``Goal`` whose ``stats`` and ``site.goals``
are analytics. Everything reachable from those fields (``GoalStats`` and its
insights, the goals of a connection) needs no check of its own. The check is
cheap on list items: the principal is authenticated once per request. The
live subscription, which re-checks its token while it runs, calls
``principal_with`` itself.
"""

from __future__ import annotations

from typing import Any, ClassVar

from strawberry.permission import BasePermission
from strawberry.types import Info

from goalgate.api.graphql.context import GraphQLContext
from goalgate.domain.tokens import Principal, Scope
from goalgate.services import tokens as token_service

__all__ = ["CanRead", "CanWrite", "principal_with"]


async def principal_with(context: GraphQLContext, scope: Scope) -> Principal:
    """The caller's current principal, holding ``scope``; else Unauthenticated
    without a valid token, Forbidden without the scope (coded by CodedErrors)."""
    principal = await context.principal()
    token_service.require(principal, scope)
    return principal


class _HasScope(BasePermission):
    scope: ClassVar[Scope]

    async def has_permission(
        self, source: Any, info: Info[GraphQLContext, None], **kwargs: Any
    ) -> bool:
        await principal_with(info.context, self.scope)
        return True


class CanRead(_HasScope):
    scope = Scope.ANALYTICS_READ


class CanWrite(_HasScope):
    scope = Scope.ANALYTICS_WRITE

"""Scope checks: queries need analytics:read, mutations analytics:write.

Every root field carries its permission. Below the roots, the fields that
lead to analytics data (``Site.goals``, ``Goal.stats``,
``GoalConnection.totalCount``) carry ``CanRead`` themselves, because a root
does not decide the scope of what it returns: a mutation, authorised with
analytics:write alone, returns a ``Goal`` whose ``stats`` and ``site.goals``
are analytics. Everything reachable from those fields (``GoalStats`` and its
insights, the goals of a connection) needs no check of its own. The check is
cheap on list items: the principal is authenticated once per request.
"""

from __future__ import annotations

from typing import Any, ClassVar

from strawberry.permission import BasePermission
from strawberry.types import Info

from goalgate.api.graphql.context import GraphQLContext
from goalgate.domain.tokens import Scope
from goalgate.services import tokens as token_service

__all__ = ["CanRead", "CanWrite"]


class _HasScope(BasePermission):
    scope: ClassVar[Scope]

    async def has_permission(
        self, source: Any, info: Info[GraphQLContext, None], **kwargs: Any
    ) -> bool:
        principal = await info.context.principal()  # UNAUTHENTICATED without a valid token
        token_service.require(principal, self.scope)  # FORBIDDEN without the scope
        return True


class CanRead(_HasScope):
    scope = Scope.ANALYTICS_READ


class CanWrite(_HasScope):
    scope = Scope.ANALYTICS_WRITE

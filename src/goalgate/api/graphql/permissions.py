"""Scope checks on the root fields: queries need analytics:read, mutations analytics:write.

Only root fields carry a permission: everything below them was reached through
an authorised root, and a check per nested field would cost on every list item.
"""

from __future__ import annotations

from typing import Any, ClassVar

from strawberry.permission import BasePermission
from strawberry.types import Info

from goalgate.api.graphql.context import GraphQLContext
from goalgate.api.graphql.errors import coded_error
from goalgate.domain.tokens import Scope
from goalgate.errors import Forbidden
from goalgate.services import tokens as token_service

__all__ = ["CanRead", "CanWrite"]


class _HasScope(BasePermission):
    scope: ClassVar[Scope]

    async def has_permission(
        self, source: Any, info: Info[GraphQLContext, None], **kwargs: Any
    ) -> bool:
        principal = await info.context.principal()  # UNAUTHENTICATED without a valid token
        try:
            token_service.require(principal, self.scope)
        except Forbidden as exc:
            raise coded_error(exc) from None
        return True


class CanRead(_HasScope):
    scope = Scope.ANALYTICS_READ


class CanWrite(_HasScope):
    scope = Scope.ANALYTICS_WRITE

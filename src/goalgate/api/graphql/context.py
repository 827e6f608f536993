"""The context of one GraphQL request: the database, the caller, the loaders.

The bearer token is only checked when a field needs it, so that introspection
(GraphiQL's docs and autocompletion) runs without one; it is checked at most
once per request, whatever the number of fields.
"""

from __future__ import annotations

import asyncio
from typing import Any

from litestar import Request
from strawberry.litestar import BaseContext

from goalgate.api.graphql.errors import coded_error
from goalgate.api.graphql.loaders import Loaders
from goalgate.domain.tokens import Principal
from goalgate.errors import Unauthenticated
from goalgate.services import tokens as token_service
from goalgate.storage.db import Database

__all__ = ["Caller", "GraphQLContext", "provide_context"]


class Caller:
    """The request's bearer token, authenticated on first use and remembered."""

    __slots__ = ("_authorization", "_db", "_lock", "_outcome")

    def __init__(self, db: Database, authorization: str | None) -> None:
        self._db = db
        self._authorization = authorization
        # Top-level fields resolve concurrently; one of them authenticates.
        self._lock = asyncio.Lock()
        self._outcome: Principal | Unauthenticated | None = None

    async def principal(self) -> Principal:
        """The principal, or a top-level UNAUTHENTICATED error."""
        async with self._lock:
            if self._outcome is None:
                try:
                    self._outcome = await token_service.authenticate(self._db, self._authorization)
                except Unauthenticated as exc:
                    self._outcome = exc
        if isinstance(self._outcome, Unauthenticated):
            raise coded_error(self._outcome)
        return self._outcome


class GraphQLContext(BaseContext, kw_only=True):
    """What every resolver receives as ``info.context``."""

    db: Database
    caller: Caller
    loaders: Loaders

    async def principal(self) -> Principal:
        return await self.caller.principal()


async def provide_context(request: Request[Any, Any, Any], db: Database) -> GraphQLContext:
    """Litestar dependency building a fresh context (and fresh loaders) per request."""
    return GraphQLContext(
        db=db, caller=Caller(db, request.headers.get("authorization")), loaders=Loaders(db)
    )

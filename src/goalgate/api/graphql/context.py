"""The context of one GraphQL request: the runtime, the caller, the loaders.

The bearer token is only checked when a field needs it, so that introspection
(GraphiQL's docs and autocompletion) runs without one. It is checked through
the process's principal cache every time a field asks, never remembered by
the context: a WebSocket connection keeps its context for as long as it is
open, and each operation on it must see the token's current state (revoked
within the cache's 1 s bound).

Resolvers read through ``runtime.db.reader`` (one statement each, no session
to share), DataLoader batches too, and every mutation writes in a session of
its own.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from strawberry.litestar import BaseContext

from goalgate.api.graphql.errors import coded_error
from goalgate.api.graphql.loaders import Loaders
from goalgate.domain.tokens import Principal
from goalgate.errors import Unauthenticated
from goalgate.runtime import Runtime

__all__ = ["Caller", "GraphQLContext", "provide_context"]


class Caller:
    """The connection's bearer token, authenticated whenever a field needs it."""

    __slots__ = ("_authorization", "_runtime")

    def __init__(self, runtime: Runtime, authorization: str | None) -> None:
        self._runtime = runtime
        self._authorization = authorization

    @property
    def authorization(self) -> str | None:
        return self._authorization

    async def principal(self) -> Principal:
        """The principal, or a top-level UNAUTHENTICATED error."""
        try:
            return await self._runtime.principals.authenticate(self._authorization)
        except Unauthenticated as exc:
            raise coded_error(exc) from None


class GraphQLContext(BaseContext, kw_only=True):
    """What every resolver receives as ``info.context``."""

    runtime: Runtime
    caller: Caller
    loaders: Loaders
    # The connection_init payload, on WebSocket connections (set by Strawberry).
    connection_params: dict[str, object] | None = None

    async def principal(self) -> Principal:
        return await self.caller.principal()


async def provide_context(
    headers: dict[str, str], runtime: Runtime
) -> AsyncIterator[GraphQLContext]:
    """Litestar dependency: a fresh context (and loaders) per request.

    Takes the headers, not the request, so that WebSocket connections (which
    carry their token in connection_init instead) get a context too.
    """
    yield GraphQLContext(
        runtime=runtime,
        caller=Caller(runtime, headers.get("authorization")),
        loaders=Loaders(runtime),
    )

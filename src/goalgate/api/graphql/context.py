"""The context of one GraphQL request: the runtime, the caller, the loaders.

The bearer token is only checked (by ``api.auth``) when a field needs it, so
that introspection (GraphiQL's docs and autocompletion) runs without one. It is
checked through the process's principal cache every time a field asks, never
remembered by the context: a WebSocket connection keeps its context for as
long as it is open, and each operation on it must see the token's current
state (revoked within the cache's 1 s bound).

Resolvers read through ``runtime.db.reader`` (one statement each, no session
to share), DataLoader batches too, and every mutation writes in a session of
its own.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping

from litestar.types import Scope
from strawberry.litestar import BaseContext

from goalgate.api.auth import credentials
from goalgate.api.auth.authentication import authenticate
from goalgate.api.graphql.loaders import Loaders
from goalgate.domain.tokens import Principal
from goalgate.errors import Unauthenticated
from goalgate.runtime import Runtime

__all__ = ["Caller", "GraphQLContext", "provide_context"]


class Caller:
    """The connection's bearer token, authenticated whenever a field needs it.

    A failed token is remembered (a revoked token stays revoked), so that one
    request with a bad token counts once against its IP, however many
    fields ask; a success never is, nor a refusal by the rate limit.
    """

    __slots__ = ("_authorization", "_client_ip", "_failed", "_lock", "_runtime")

    def __init__(self, runtime: Runtime, authorization: str | None, client_ip: str) -> None:
        self._runtime = runtime
        self._authorization = authorization
        self._client_ip = client_ip
        self._failed: Unauthenticated | None = None
        self._lock = asyncio.Lock()

    def for_connection(self, params: Mapping[str, object] | None) -> Caller:
        """The caller of a WebSocket: the token of its connection_init payload, the same IP."""
        authorization = credentials.connection_authorization(params)
        return Caller(self._runtime, authorization, self._client_ip)

    @property
    def authorization(self) -> str | None:
        return self._authorization

    @property
    def client_ip(self) -> str:
        return self._client_ip

    async def principal(self) -> Principal:
        """The principal; raises Unauthenticated (or RateLimited, for failed tokens of an IP)."""
        # Fields resolve concurrently: one of them authenticates at a time, so
        # that the others see its failure (or its cached success).
        async with self._lock:
            if self._failed is not None:
                raise self._failed
            try:
                return await authenticate(self._runtime, self._authorization, self._client_ip)
            except Unauthenticated as exc:
                # RateLimited is not remembered: the window ends, and a socket may go on then.
                self._failed = exc
                raise


class GraphQLContext(BaseContext, kw_only=True):
    """What every resolver receives as ``info.context``."""

    runtime: Runtime
    caller: Caller
    loaders: Loaders
    # The connection_init payload, on WebSocket connections (set by Strawberry).
    connection_params: dict[str, object] | None = None

    async def principal(self) -> Principal:
        return await self.caller.principal()


async def provide_context(scope: Scope, runtime: Runtime) -> AsyncIterator[GraphQLContext]:
    """Litestar dependency: a fresh context (and loaders) per request.

    Takes the scope, not the request, so that WebSocket connections get a
    context too (their token comes in connection_init: ``Caller.for_connection``).
    """
    caller = Caller(runtime, credentials.authorization(scope), credentials.client_ip(scope))
    yield GraphQLContext(runtime=runtime, caller=caller, loaders=Loaders(runtime))

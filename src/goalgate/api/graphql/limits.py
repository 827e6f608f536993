"""Per-operation limits that need the request: the token's rate on WebSocket operations.

HTTP requests to /graphql are counted by the rate-limit middleware before they
are read. A WebSocket is one HTTP upgrade that may carry any number of
operations, so each operation on it (query, mutation or subscription) counts
here instead, in the same bucket as the token's HTTP requests
(``api.ratelimit.token_key``); over the rate it is refused with RATE_LIMITED
before it runs.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

from strawberry.extensions import SchemaExtension

from goalgate.api.graphql.context import GraphQLContext
from goalgate.api.graphql.errors import rate_limited
from goalgate.api.ratelimit import token_key
from goalgate.errors import RateLimited
from goalgate.services.ratelimit import Rate

__all__ = ["SocketRateLimit"]

log = logging.getLogger("goalgate.ratelimit")


class SocketRateLimit(SchemaExtension):
    """Counts each operation of a WebSocket against its token's rate."""

    def __init__(self, *, rate: Rate | None) -> None:
        self._rate = rate

    async def on_execute(self) -> AsyncIterator[None]:
        context = self.execution_context.context
        rate = self._rate
        if rate is not None and isinstance(context, GraphQLContext) and context.websocket:
            caller = context.caller
            limiter = context.runtime.limiter
            key = token_key(caller.authorization, caller.client_ip)
            try:
                decision = await limiter.hit(key, rate)
            except Exception:
                log.exception("rate-limit store failed; letting the operation through")
            else:
                try:
                    limiter.raise_if_refused(decision, rate)
                except RateLimited as exc:
                    raise rate_limited(exc) from None
        yield

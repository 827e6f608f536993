"""The principal behind a caller's token, with failed tokens counted per client IP.

Every face authenticates through ``authenticate``: the REST routes by the
``authenticated`` guard, ingestion by ``optional_principal``, GraphQL by its
``Caller`` (over HTTP and on a WebSocket alike). The guard runs before the body
is parsed: a caller without a valid token gets 401, never a hint about its body.

A token that fails authentication counts against its client IP's bucket on
the token rate (the bucket of requests without a token), so that a new fake
token per request cannot escape the per-IP limit: once an IP has used that
bucket up, a token this process does not hold fresh in its cache is refused
with 429 before it is looked up, for the rest of the window.
"""

from __future__ import annotations

import logging
from typing import Any

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.datastructures import State
from litestar.handlers.base import BaseRouteHandler

from goalgate.api.auth import credentials
from goalgate.api.ratelimit import anon_key, token_quota
from goalgate.domain.tokens import Principal, bearer_secret
from goalgate.errors import Unauthenticated
from goalgate.runtime import Runtime
from goalgate.services.ratelimit import RateLimiter

__all__ = [
    "authenticate",
    "authenticated",
    "optional_principal",
    "provide_principal",
    "provide_runtime",
]

log = logging.getLogger("goalgate.ratelimit")


async def authenticate(runtime: Runtime, authorization: str | None, client_ip: str) -> Principal:
    """The principal behind ``authorization``; a failed token counts against ``client_ip``.

    Raises Unauthenticated (401), or RateLimited (429) once the IP's bucket
    is used up.
    """
    cached = runtime.principals.cached(authorization)
    if cached is not None:
        return cached
    quota = token_quota(runtime.settings.rate_limit_token)
    limiter: RateLimiter = runtime.limiter
    # Only a sent token costs a lookup; a request without one is counted by the middleware.
    counted = quota is not None and bearer_secret(authorization) is not None
    if counted and quota is not None:
        refusal = limiter.refusal(anon_key(client_ip), quota)
        if refusal is not None:
            limiter.raise_if_refused(refusal, quota)
    try:
        return await runtime.principals.authenticate(authorization)
    except Unauthenticated:
        if counted and quota is not None:
            try:
                decision = await limiter.hit(anon_key(client_ip), quota)
            except Exception:
                log.exception("rate-limit store failed; not counting a failed token")
            else:
                limiter.raise_if_refused(decision, quota)
        raise


def provide_runtime(state: State) -> Runtime:
    runtime: Runtime = state.runtime
    return runtime


async def authenticated(
    connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler
) -> None:
    """Guard: authenticate the bearer token (401 otherwise) and keep the principal."""
    runtime: Runtime = connection.app.state.runtime
    scope = connection.scope
    connection.state.principal = await authenticate(
        runtime, credentials.authorization(scope), credentials.client_ip(scope)
    )


def provide_principal(request: Request[Any, Any, Any], runtime: Runtime) -> Principal:
    """The principal the guard authenticated.

    ``runtime`` is taken only to order the two dependencies one after the
    other: Litestar resolves the independent dependencies of a handler in an
    anyio task group, which costs more than resolving both of them.
    """
    principal: Principal = request.state.principal
    return principal


async def optional_principal(
    runtime: Runtime, authorization: str | None, client_ip: str
) -> Principal | None:
    """The principal when a token is sent; None without one (a bad token still fails)."""
    if authorization is None:
        return None
    return await authenticate(runtime, authorization, client_ip)

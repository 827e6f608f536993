"""The bearer-token guard and principal dependency every face shares.

Authentication runs as a Litestar guard because guards run before the body is
parsed: a caller without a valid token gets 401, never a hint about its body.
"""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.datastructures import State
from litestar.handlers.base import BaseRouteHandler

from goalgate.domain.tokens import Principal
from goalgate.runtime import Runtime

__all__ = ["authenticated", "optional_principal", "provide_principal", "provide_runtime"]


def provide_runtime(state: State) -> Runtime:
    runtime: Runtime = state.runtime
    return runtime


async def authenticated(
    connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler
) -> None:
    """Guard: authenticate the bearer token (401 otherwise) and keep the principal."""
    runtime: Runtime = connection.app.state.runtime
    authorization = connection.headers.get("authorization")
    connection.state.principal = await runtime.principals.authenticate(authorization)


def provide_principal(request: Request[Any, Any, Any], runtime: Runtime) -> Principal:
    """The principal the guard authenticated.

    ``runtime`` is taken only to order the two dependencies one after the
    other: Litestar resolves the independent dependencies of a handler in an
    anyio task group, which costs more than resolving both of them.
    """
    principal: Principal = request.state.principal
    return principal


async def optional_principal(runtime: Runtime, authorization: str | None) -> Principal | None:
    """The principal when a token is sent; None without one (a bad token still fails)."""
    if authorization is None:
        return None
    return await runtime.principals.authenticate(authorization)

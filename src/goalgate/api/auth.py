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
from goalgate.services import tokens as token_service
from goalgate.storage.db import Database

__all__ = ["authenticated", "optional_principal", "provide_database", "provide_principal"]


def provide_database(state: State) -> Database:
    db: Database = state.db
    return db


async def authenticated(
    connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler
) -> None:
    """Guard: authenticate the bearer token (401 otherwise) and keep the principal."""
    db: Database = connection.app.state.db
    authorization = connection.headers.get("authorization")
    connection.state.principal = await token_service.authenticate(db, authorization)


def provide_principal(request: Request[Any, Any, Any]) -> Principal:
    principal: Principal = request.state.principal
    return principal


async def optional_principal(db: Database, authorization: str | None) -> Principal | None:
    """The principal when a token is sent; None without one (a bad token still fails)."""
    if authorization is None:
        return None
    return await token_service.authenticate(db, authorization)

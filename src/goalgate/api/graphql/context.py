"""The context of one GraphQL request: the database, the caller, the loaders.

The bearer token is only checked when a field needs it, so that introspection
(GraphiQL's docs and autocompletion) runs without one; it is checked at most
once per request, whatever the number of fields.

Resolvers that read share one session per request (``reads``), lent to one
resolver at a time: a query then costs as many database sessions as the REST
route doing the same work. DataLoader batches still open their own session,
and every mutation writes in a session of its own.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from sqlmodel.ext.asyncio.session import AsyncSession
from strawberry.litestar import BaseContext

from goalgate.api.graphql.errors import coded_error
from goalgate.api.graphql.loaders import Loaders
from goalgate.domain.tokens import Principal
from goalgate.errors import Unauthenticated
from goalgate.services import tokens as token_service
from goalgate.storage.db import Database

__all__ = ["Caller", "GraphQLContext", "Reads", "provide_context"]


class Caller:
    """The request's bearer token, authenticated on first use and remembered."""

    __slots__ = ("_authorization", "_db", "_lock", "_outcome")

    def __init__(self, db: Database, authorization: str | None) -> None:
        self._db = db
        self._authorization = authorization
        # Top-level fields resolve concurrently; one of them authenticates.
        self._lock = asyncio.Lock()
        self._outcome: Principal | Unauthenticated | None = None

    @property
    def authorization(self) -> str | None:
        return self._authorization

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


class Reads:
    """The request's read session, opened on first use and lent to one resolver at a time."""

    __slots__ = ("_db", "_lock", "_opened", "_session")

    def __init__(self, db: Database) -> None:
        self._db = db
        # Sibling resolvers run concurrently; an AsyncSession serves one at a time.
        self._lock = asyncio.Lock()
        self._opened: AbstractAsyncContextManager[AsyncSession] | None = None
        self._session: AsyncSession | None = None

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        async with self._lock:
            if self._session is None:
                self._opened = self._db.read()
                self._session = await self._opened.__aenter__()
            yield self._session

    async def close(self) -> None:
        """End the read transaction; the next read sees every commit made until then."""
        async with self._lock:
            opened, self._opened, self._session = self._opened, None, None
            if opened is not None:
                await opened.__aexit__(None, None, None)


class GraphQLContext(BaseContext, kw_only=True):
    """What every resolver receives as ``info.context``."""

    db: Database
    caller: Caller
    reads: Reads
    loaders: Loaders
    # The connection_init payload, on WebSocket connections (set by Strawberry).
    connection_params: dict[str, object] | None = None

    async def principal(self) -> Principal:
        return await self.caller.principal()


async def provide_context(headers: dict[str, str], db: Database) -> AsyncIterator[GraphQLContext]:
    """Litestar dependency: a fresh context (and loaders) per request, its session closed after.

    Takes the headers, not the request, so that WebSocket connections (which
    carry their token in connection_init instead) get a context too.
    """
    reads = Reads(db)
    try:
        yield GraphQLContext(
            db=db,
            caller=Caller(db, headers.get("authorization")),
            reads=reads,
            loaders=Loaders(db),
        )
    finally:
        await reads.close()

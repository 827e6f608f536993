"""create_app(settings) -> Litestar: wires the faces to one database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from litestar import Litestar, MediaType, get
from litestar.datastructures import State
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig
from sqlalchemy import text

from goalgate import __version__
from goalgate.api.auth import provide_database
from goalgate.api.errors import exception_handlers
from goalgate.api.ingest.routes import ingest_route_handlers
from goalgate.api.rest.routes import GoalsController
from goalgate.services.group_commit import close_committer
from goalgate.settings import Settings
from goalgate.storage.db import Database, open_database

__all__ = ["create_app"]


@get("/healthz", media_type=MediaType.JSON, include_in_schema=False)
async def healthz() -> dict[str, str]:
    """The process answers; touches nothing else."""
    return {"status": "ok"}


@get("/readyz", media_type=MediaType.JSON, include_in_schema=False)
async def readyz(db: Database) -> dict[str, str]:
    """The database answers."""
    async with db.read() as session:
        await session.exec(text("SELECT 1"))  # type: ignore[call-overload]
    return {"status": "ready"}


def create_app(settings: Settings | None = None) -> Litestar:
    """Build the application; nothing connects until its lifespan starts."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        db = open_database(settings.database_url, echo=settings.echo_sql)
        await db.migrate()
        app.state.db = db
        try:
            yield
        finally:
            # Events queued for a commit are written before the engine goes.
            await close_committer(db)
            await db.close()

    return Litestar(
        route_handlers=[healthz, readyz, GoalsController, *ingest_route_handlers()],
        lifespan=[lifespan],
        state=State({"settings": settings}),
        dependencies={"db": Provide(provide_database, sync_to_thread=False)},
        exception_handlers=exception_handlers,
        request_max_body_size=settings.max_body_bytes,
        openapi_config=OpenAPIConfig(
            title="goalgate",
            version=__version__,
            description="Conversion goals for web analytics: the documented REST routes.",
            path="/schema",
        ),
    )

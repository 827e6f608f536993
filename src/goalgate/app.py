"""create_app(settings) -> Litestar: wires the faces to one database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from litestar import Litestar, MediaType, get
from litestar.datastructures import State
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from goalgate import __version__
from goalgate.api.auth import provide_database
from goalgate.api.cors import CORSMiddleware
from goalgate.api.errors import exception_handlers
from goalgate.api.graphql.controller import graphql_controller
from goalgate.api.ingest.routes import ingest_route_handlers
from goalgate.api.ratelimit import RateLimitMiddleware
from goalgate.api.requests import GoalgateRequest
from goalgate.api.rest.routes import GoalsController
from goalgate.api.security_headers import add_security_headers
from goalgate.errors import Unavailable
from goalgate.services import live
from goalgate.services.group_commit import close_committer
from goalgate.services.ratelimit import CounterStore, RateLimiter, parse_rate
from goalgate.settings import Settings
from goalgate.storage.db import Database, open_database
from goalgate.storage.ratelimit import DatabaseCounters

__all__ = ["create_app"]


@get("/healthz", media_type=MediaType.JSON, include_in_schema=False)
async def healthz() -> dict[str, str]:
    """The process answers; touches nothing else."""
    return {"status": "ok"}


@get("/readyz", media_type=MediaType.JSON, include_in_schema=False)
async def readyz(db: Database) -> dict[str, str]:
    """The database answers."""
    try:
        async with db.read() as session:
            await session.exec(text("SELECT 1"))  # type: ignore[call-overload]
    except (OSError, SQLAlchemyError) as exc:
        raise Unavailable("the database is not reachable") from exc
    return {"status": "ready"}


def create_app(settings: Settings | None = None) -> Litestar:
    """Build the application; nothing connects until its lifespan starts."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        db = open_database(settings.database_url, echo=settings.echo_sql)
        await db.migrate()
        app.state.db = db
        redis = None
        store: CounterStore = DatabaseCounters(db)
        if settings.redis_url:
            from goalgate.storage.ratelimit_redis import RedisCounters, open_redis

            redis = open_redis(settings.redis_url)
            store = RedisCounters(redis)
        app.state.ratelimiter = RateLimiter(store)
        hub = live.open_hub(settings.database_url, settings.redis_url)
        await hub.start()
        live.attach_hub(db, hub)
        try:
            yield
        finally:
            # Events queued for a commit are written (and announced) before the
            # hub and the engine go.
            await close_committer(db)
            live.attach_hub(db, None)
            await hub.stop()
            if redis is not None:
                await redis.aclose()
            await db.close()

    app = Litestar(
        route_handlers=[
            healthz,
            readyz,
            GoalsController,
            graphql_controller(settings),
            *ingest_route_handlers(),
        ],
        lifespan=[lifespan],
        state=State({"settings": settings}),
        dependencies={"db": Provide(provide_database, sync_to_thread=False)},
        exception_handlers=exception_handlers,
        middleware=[
            RateLimitMiddleware(
                token=parse_rate(settings.rate_limit_token),
                ingest=parse_rate(settings.rate_limit_ingest),
            )
        ],
        before_send=[add_security_headers],
        request_class=GoalgateRequest,
        request_max_body_size=settings.max_body_bytes,
        openapi_config=OpenAPIConfig(
            title="goalgate",
            version=__version__,
            description="Conversion goals for web analytics: the documented REST routes.",
            path="/schema",
        ),
    )
    # CORS wraps the router itself (not a route middleware): preflights must be
    # answered before routing and guards, on every path. See api/cors.py.
    app.asgi_handler = CORSMiddleware(app.asgi_handler, allowed_origins=settings.cors_origins)
    return app

"""create_app(settings) -> Litestar: wires the faces to one database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from litestar import Litestar, MediaType, get
from litestar.datastructures import State
from litestar.di import Provide
from litestar.openapi.plugins import JsonRenderPlugin, YamlRenderPlugin
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from goalgate import __version__, logs
from goalgate.api.auth.authentication import provide_runtime
from goalgate.api.budgets import RequestBudgets
from goalgate.api.cors import CORSMiddleware
from goalgate.api.dashboard.routes import dashboard_route_handlers
from goalgate.api.errors import exception_handlers
from goalgate.api.graphql.controller import graphql_controller
from goalgate.api.ingest import openapi_body
from goalgate.api.ingest.routes import ingest_route_handlers
from goalgate.api.observability import Observability, metrics_route
from goalgate.api.ratelimit import RateLimitMiddleware
from goalgate.api.requests import GoalgateRequest
from goalgate.api.rest import openapi_docs
from goalgate.api.rest.routes import GoalsController
from goalgate.api.rest.site_routes import SitesController
from goalgate.api.security_headers import add_security_headers
from goalgate.api.tracing import tracing_plugins
from goalgate.runtime import Runtime, open_runtime
from goalgate.services.ratelimit import parse_quota
from goalgate.settings import Settings

__all__ = ["create_app"]


@get("/healthz", media_type=MediaType.JSON, include_in_schema=False)
async def healthz() -> dict[str, str]:
    """The process answers; touches nothing else."""
    return {"status": "ok"}


@get("/readyz", media_type=MediaType.JSON, include_in_schema=False)
async def readyz(runtime: Runtime) -> dict[str, str]:
    """The database answers, through a pooled session (the path writes take)."""
    await runtime.db.ping()
    return {"status": "ready"}


def create_app(settings: Settings | None = None) -> Litestar:
    """Build the application; nothing connects until its lifespan starts."""
    settings = settings or Settings()
    observability: Observability | None = None

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        async with open_runtime(settings) as runtime:
            app.state.runtime = runtime
            assert observability is not None
            observability.metrics = runtime.metrics
            try:
                yield
            finally:
                observability.metrics = None

    metrics = metrics_route(settings)
    app = Litestar(
        route_handlers=[
            healthz,
            readyz,
            GoalsController,
            SitesController,
            graphql_controller(settings),
            *ingest_route_handlers(),
            *dashboard_route_handlers(),
            *([metrics] if metrics is not None else []),
        ],
        lifespan=[lifespan],
        logging_config=logs.litestar_logging_config(settings),
        plugins=tracing_plugins(settings),
        state=State({"settings": settings}),
        dependencies={"runtime": Provide(provide_runtime, sync_to_thread=False)},
        exception_handlers=exception_handlers,
        middleware=[
            RateLimitMiddleware(
                token=parse_quota(settings.rate_limit_token),
                ingest=parse_quota(settings.rate_limit_ingest),
            )
        ],
        before_send=[add_security_headers],
        request_class=GoalgateRequest,
        request_max_body_size=settings.max_body_bytes,
        openapi_config=openapi_docs.DocumentConfig(
            title="goalgate",
            version=__version__,
            description="Conversion goals for web analytics: the documented REST routes.",
            path="/schema",
            # The document only, no reference UI: each one loads its scripts from a
            # CDN or needs inline code, on the origin whose sessionStorage holds the
            # dashboard's token. docs/rest.md says how to browse the document offline.
            render_plugins=[JsonRenderPlugin(), YamlRenderPlugin()],
            components=openapi_docs.components(),
            schemas=openapi_body.SCHEMAS,
            # Every example is written by hand (api/rest/openapi_docs.py, schemas.py,
            # error_docs.py): no generated, random ones.
            create_examples=False,
        ),
    )
    # CORS wraps the router itself (not a route middleware): preflights must be
    # answered before routing and guards, on every path. See api/cors.py.
    # Each request's time budget, and its work stopped if its client leaves.
    budgeted = RequestBudgets(app.asgi_handler, settings=settings)
    cors = CORSMiddleware(budgeted, allowed_origins=settings.cors_origins)
    # X-Forwarded-For is applied here, not by uvicorn in front of the app, so
    # that Observability (outermost: it sees every request) still knows which
    # peer connected when it decides whether to believe an X-Request-ID.
    proxied = ProxyHeadersMiddleware(cors, trusted_hosts=settings.forwarded_allow_ips)  # type: ignore[arg-type]
    observability = Observability(proxied, settings=settings)  # type: ignore[arg-type]
    app.asgi_handler = observability
    return app

"""Optional OpenTelemetry tracing: ``GOALGATE_TRACING=true`` with ``pip install 'goalgate[otel]'``.

Two sources of spans: Litestar's OpenTelemetry plugin (one server span per
HTTP request; it names the span by the raw path when the request arrives, and
goalgate renames it by the route template once routed, so that
``GET /api/v1/analytics/sites/{key}/goals`` is one name, not one per site) and
Strawberry's OpenTelemetry
extension (the GraphQL operation, its parsing, validation and custom
resolvers, as children of the request's span; see ``api/graphql/schema.py``).
The probes and ``/metrics`` are left out: they would be most of the spans.

Spans go to the process's global tracer provider. When nothing has set one
(``opentelemetry-instrument`` would, and so do the tests), goalgate sets one
that batches spans to an OTLP/HTTP collector, configured by the standard
variables (``OTEL_EXPORTER_OTLP_ENDPOINT``, ``OTEL_SERVICE_NAME``,
``OTEL_TRACES_SAMPLER``...). Each worker process has its own provider.
"""

from __future__ import annotations

import inspect
import os
from typing import Any

from litestar import Request
from litestar.config.app import AppConfig
from litestar.plugins import InitPlugin

from goalgate import logs
from goalgate.settings import Settings

__all__ = ["UNTRACED_PATHS", "tracing_plugins"]

UNTRACED_PATHS = ["^/healthz$", "^/readyz$", "^/metrics$"]


def tracing_plugins(settings: Settings) -> list[Any]:
    """Litestar's OpenTelemetry plugin when tracing is on; no plugin otherwise."""
    if not settings.tracing:
        return []
    try:
        from litestar.plugins.opentelemetry import OpenTelemetryConfig, OpenTelemetryPlugin
        from opentelemetry import trace
    except ImportError as exc:  # pragma: no cover - the extra is installed in development
        raise RuntimeError(
            "GOALGATE_TRACING=true needs OpenTelemetry: pip install 'goalgate[otel]'"
        ) from exc
    if isinstance(trace.get_tracer_provider(), trace.ProxyTracerProvider):
        trace.set_tracer_provider(_otlp_provider())

    # Litestar finds its plugin by class name: a subclass would go unapplied.
    # No span per ASGI message (three more per request, which say little).
    config = OpenTelemetryConfig(exclude=UNTRACED_PATHS, exclude_spans=["receive", "send"])
    return [OpenTelemetryPlugin(config), _SpanNamedByRoute()]


class _SpanNamedByRoute(InitPlugin):
    def on_app_init(self, app_config: AppConfig) -> AppConfig:
        app_config.before_request = _name_by_route(app_config.before_request)
        return app_config


def _name_by_route(before: Any) -> Any:
    """A ``before_request`` hook: the server span takes the route template's name."""
    from opentelemetry import trace

    async def name_span(request: Request[Any, Any, Any]) -> Any:
        route = logs.route_of(request.scope.get("path_template"))
        span = trace.get_current_span()
        if route is not None and span.is_recording():
            span.update_name(f"{request.method} {route}")
            span.set_attribute("http.route", route)
        if before is None:
            return None
        result = before(request)
        return await result if inspect.isawaitable(result) else result

    return name_span


def _otlp_provider() -> Any:
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    # OTEL_SERVICE_NAME (or OTEL_RESOURCE_ATTRIBUTES) names the service if set.
    named = os.environ.get("OTEL_SERVICE_NAME") or "service.name=" in os.environ.get(
        "OTEL_RESOURCE_ATTRIBUTES", ""
    )
    resource = Resource.create({} if named else {"service.name": "goalgate"})
    provider = TracerProvider(resource=resource)
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    return provider

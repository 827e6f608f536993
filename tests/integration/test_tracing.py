"""GOALGATE_TRACING: a GraphQL request leaves a server span and an operation span under it.

OpenTelemetry has one tracer provider per process, set once: this module sets
one that keeps spans in memory (goalgate then uses it rather than building its
OTLP one) and empties it before each test.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from litestar.testing import AsyncTestClient
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from goalgate.settings import Settings
from tests.helpers.http import Client, bearer

_EXPORTER = InMemorySpanExporter()


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    provider = trace.get_tracer_provider()
    if isinstance(provider, trace.ProxyTracerProvider):
        provider = TracerProvider()
        provider.add_span_processor(SimpleSpanProcessor(_EXPORTER))
        trace.set_tracer_provider(provider)
    assert isinstance(provider, TracerProvider)
    _EXPORTER.clear()
    yield _EXPORTER
    _EXPORTER.clear()


@pytest.fixture
def settings(database_url: str, spans: InMemorySpanExporter) -> Settings:
    return Settings(database_url=database_url, tracing=True)


def named(found: tuple[ReadableSpan, ...], name: str) -> ReadableSpan:
    [span] = [span for span in found if span.name == name]
    return span


async def test_a_graphql_request_records_its_operation_under_the_request_span(
    client: Client, spans: InMemorySpanExporter
) -> None:
    response = await client.post("/graphql", json={"query": "query Probe { __typename }"})
    assert response.json() == {"data": {"__typename": "Query"}}
    finished = spans.get_finished_spans()
    server = named(finished, "POST /graphql")
    operation = named(finished, "GraphQL Query: Probe")
    assert server.kind is trace.SpanKind.SERVER
    assert server.attributes is not None
    assert server.attributes["http.route"] == "/graphql"
    assert server.attributes["http.status_code"] == 200
    assert operation.parent is not None
    assert operation.parent.span_id == server.context.span_id
    assert operation.context.trace_id == server.context.trace_id
    assert operation.attributes is not None
    assert operation.attributes["query"] == "query Probe { __typename }"
    # No span per ASGI message: the request, the operation and its steps.
    assert sorted(span.name for span in finished) == [
        "GraphQL Parsing",
        "GraphQL Query: Probe",
        "GraphQL Validation",
        "POST /graphql",
    ]
    parsing = named(finished, "GraphQL Parsing")
    assert parsing.parent is not None
    assert parsing.parent.span_id == operation.context.span_id


async def test_a_rest_request_span_is_named_by_its_route_template(
    client: Client, spans: InMemorySpanExporter, token: str, site: str
) -> None:
    response = await client.get(f"/api/v1/analytics/sites/{site}/goals", headers=bearer(token))
    assert response.status_code == 200
    [server] = [span for span in spans.get_finished_spans() if span.kind is trace.SpanKind.SERVER]
    assert server.name == "GET /api/v1/analytics/sites/{key}/goals"
    assert server.attributes is not None
    assert server.attributes["http.route"] == "/api/v1/analytics/sites/{key}/goals"
    assert site not in server.name


async def test_probes_are_not_traced(client: Client, spans: InMemorySpanExporter) -> None:
    assert (await client.get("/healthz")).status_code == 200
    assert (await client.get("/readyz")).status_code == 200
    assert spans.get_finished_spans() == ()


async def test_tracing_off_records_nothing(database_url: str, spans: InMemorySpanExporter) -> None:
    from goalgate.app import create_app

    async with AsyncTestClient(app=create_app(Settings(database_url=database_url))) as client:
        response = await client.post("/graphql", json={"query": "query Probe { __typename }"})
    assert response.status_code == 200
    assert spans.get_finished_spans() == ()

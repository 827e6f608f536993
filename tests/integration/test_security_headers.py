"""Security headers on every response: success, error, 404, preflight, HTML pages."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from litestar.testing import AsyncTestClient

from goalgate.api.security_headers import API_CSP, GRAPHIQL_CSP
from goalgate.app import create_app
from goalgate.settings import Settings
from tests.helpers.http import Client

GOALS = "/api/v1/analytics/sites/sk_abc123def456/goals"


@pytest.fixture
async def plain_client(tmp_path: Path) -> AsyncIterator[Client]:
    settings = Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'h.db'}")
    async with AsyncTestClient(app=create_app(settings)) as client:
        yield client


def security(headers: object, csp: str = API_CSP) -> None:
    items = dict(headers)  # type: ignore[call-overload]
    assert {
        name: items.get(name)
        for name in (
            "x-content-type-options",
            "referrer-policy",
            "x-frame-options",
            "content-security-policy",
        )
    } == {
        "x-content-type-options": "nosniff",
        "referrer-policy": "no-referrer",
        "x-frame-options": "DENY",
        "content-security-policy": csp,
    }


def test_the_api_policy_allows_nothing() -> None:
    assert API_CSP == "default-src 'none'; frame-ancestors 'none'"


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/healthz", 200),
        ("GET", "/readyz", 200),
        ("GET", "/schema/openapi.json", 200),
        ("GET", GOALS, 401),
        ("POST", GOALS, 401),
        ("GET", "/no/such/route", 404),
        ("PUT", "/healthz", 405),
    ],
)
async def test_every_response_carries_the_security_headers(
    plain_client: Client, method: str, path: str, status: int
) -> None:
    response = await plain_client.request(method, path)
    assert response.status_code == status
    security(response.headers)


async def test_a_preflight_answer_carries_them_too(plain_client: Client) -> None:
    response = await plain_client.options(
        "/api/v1/analytics/events",
        headers={"Origin": "https://a.example", "Access-Control-Request-Method": "POST"},
    )
    assert response.status_code == 204
    security(response.headers)


async def test_a_schema_page_that_is_no_document_gets_the_api_policy(
    plain_client: Client,
) -> None:
    # Litestar's HTML 404 for the reference UIs goalgate does not serve.
    response = await plain_client.get("/schema/redoc")
    assert response.status_code == 404
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    security(response.headers, API_CSP)


def test_the_graphiql_policy_allows_only_this_origin() -> None:
    # GraphiQL's assets are self-hosted (api/graphql/graphiql.py): no CDN, no inline code.
    assert GRAPHIQL_CSP == (
        "default-src 'none'; "
        "script-src 'self'; "
        "style-src 'self'; "
        "font-src data:; "
        "img-src 'self' data:; "
        "connect-src 'self'; "
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )


async def test_the_graphiql_page_gets_its_policy_and_loads_only_what_it_allows(
    plain_client: Client,
) -> None:
    import re

    response = await plain_client.get("/graphql", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    security(response.headers, GRAPHIQL_CSP)
    assert "graphiql" in response.text.lower()
    # Every script and stylesheet comes from this origin, and nothing runs inline.
    loaded = re.findall(r"""(?:src|href)=["']([^"']+)""", response.text)
    assert sorted(url.split("?")[0] for url in loaded) == [
        "/graphiql/page.css",
        "/graphiql/page.js",
        "/graphiql/vendor/graphiql@3.9.0/graphiql.min.css",
        "/graphiql/vendor/graphiql@3.9.0/graphiql.min.js",
        "/graphiql/vendor/react-dom@18.3.1/react-dom.production.min.js",
        "/graphiql/vendor/react@18.3.1/react.production.min.js",
        "data:,",
    ]
    assert re.findall(r"<script>|<style>|\son\w+=", response.text) == []


async def test_a_graphql_answer_gets_the_api_policy(plain_client: Client) -> None:
    response = await plain_client.get("/graphql", params={"query": "{ __typename }"})
    assert response.status_code == 200
    assert response.json() == {"data": {"__typename": "Query"}}
    security(response.headers)

"""CORS: any origin on ingestion and ka.js, only the configured origins elsewhere."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from litestar.testing import AsyncTestClient

from goalgate.app import create_app
from goalgate.settings import Settings
from goalgate.storage.db import open_database
from tests.helpers.data import make_site, make_token
from tests.helpers.http import Client, bearer

ALLOWED = "https://app.example.com"
GOALS = "/api/v1/analytics/sites/sk_abc123def456/goals"
EXPOSE = (
    "ETag, Retry-After, RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset, Link, X-Request-ID"
)


@pytest.fixture
async def cors_client(tmp_path: Path) -> AsyncIterator[Client]:
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'cors.db'}",
        cors_origins=f"{ALLOWED}, https://admin.example.com/",  # type: ignore[arg-type]
    )
    async with AsyncTestClient(app=create_app(settings)) as client:
        yield client


def cors_headers(headers: object) -> dict[str, str]:
    items = dict(headers)  # type: ignore[call-overload]
    return {
        name: value
        for name, value in items.items()
        if name.startswith("access-control-") or name == "vary"
    }


def preflight(origin: str, method: str = "POST") -> dict[str, str]:
    return {
        "Origin": origin,
        "Access-Control-Request-Method": method,
        "Access-Control-Request-Headers": "authorization, content-type, if-match",
    }


def test_origins_are_split_and_trimmed_from_the_environment() -> None:
    settings = Settings(cors_origins="https://a.example, ,https://b.example ")  # type: ignore[arg-type]
    assert settings.cors_origins == ["https://a.example", "https://b.example"]
    assert Settings().cors_origins == []


async def test_preflight_from_an_allowed_origin_on_goals_is_204(cors_client: Client) -> None:
    response = await cors_client.options(GOALS, headers=preflight(ALLOWED, "PATCH"))
    assert response.status_code == 204
    assert response.content == b""
    assert cors_headers(response.headers) == {
        "access-control-allow-origin": ALLOWED,
        "access-control-allow-methods": "GET, POST, PATCH, DELETE, OPTIONS",
        "access-control-allow-headers": "Authorization, Content-Type, If-Match",
        "access-control-max-age": "7200",
        "vary": "Origin",
    }


async def test_a_configured_origin_with_a_trailing_slash_is_allowed(cors_client: Client) -> None:
    response = await cors_client.options(GOALS, headers=preflight("https://admin.example.com"))
    assert response.status_code == 204
    assert response.headers["access-control-allow-origin"] == "https://admin.example.com"


async def test_preflight_from_a_refused_origin_on_goals_is_403(cors_client: Client) -> None:
    response = await cors_client.options(GOALS, headers=preflight("https://evil.example"))
    assert response.status_code == 403
    assert response.json() == {
        "error": {
            "code": "forbidden",
            "message": "origin https://evil.example may not call this API from a browser",
            "fields": {},
        }
    }
    assert cors_headers(response.headers) == {"vary": "Origin"}


async def test_preflight_on_graphql_follows_the_configured_origins(cors_client: Client) -> None:
    allowed = await cors_client.options("/graphql", headers=preflight(ALLOWED))
    refused = await cors_client.options("/graphql", headers=preflight("https://evil.example"))
    assert allowed.status_code == 204
    assert allowed.headers["access-control-allow-origin"] == ALLOWED
    assert refused.status_code == 403


async def test_no_origin_is_allowed_by_default(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'default.db'}")
    async with AsyncTestClient(app=create_app(settings)) as client:
        response = await client.options(GOALS, headers=preflight(ALLOWED))
    assert response.status_code == 403


@pytest.mark.parametrize("path", ["/api/v1/analytics/events", "/js/ka.js"])
async def test_preflight_on_the_open_routes_allows_any_origin(
    cors_client: Client, path: str
) -> None:
    response = await cors_client.options(path, headers=preflight("https://shop.customer.example"))
    assert response.status_code == 204
    assert cors_headers(response.headers) == {
        "access-control-allow-origin": "*",
        "access-control-allow-methods": "GET, POST, OPTIONS",
        "access-control-allow-headers": "Authorization, Content-Type, If-Match",
        "access-control-max-age": "7200",
    }
    assert "access-control-allow-credentials" not in response.headers


async def test_response_to_an_allowed_origin_echoes_it_and_exposes_etag(
    cors_client: Client, tmp_path: Path
) -> None:
    db = open_database(f"sqlite+aiosqlite:///{tmp_path / 'cors.db'}")
    try:
        await make_site(db)
        token = await make_token(db)
    finally:
        await db.close()
    response = await cors_client.get(GOALS, headers={"Origin": ALLOWED, **bearer(token)})
    assert response.status_code == 200
    assert response.json() == {"data": []}
    assert cors_headers(response.headers) == {
        "access-control-allow-origin": ALLOWED,
        "access-control-expose-headers": EXPOSE,
        "vary": "Origin",
    }


async def test_response_to_a_refused_origin_has_no_allow_origin(cors_client: Client) -> None:
    response = await cors_client.get(GOALS, headers={"Origin": "https://evil.example"})
    # The request is answered as usual (here: no token); the browser withholds it.
    assert response.status_code == 401
    assert cors_headers(response.headers) == {"vary": "Origin"}


async def test_response_without_origin_still_varies_on_origin(cors_client: Client) -> None:
    response = await cors_client.get(GOALS)
    assert cors_headers(response.headers) == {"vary": "Origin"}


async def test_response_on_an_open_route_allows_any_origin(cors_client: Client) -> None:
    response = await cors_client.get("/js/ka.js", headers={"Origin": "https://a.example"})
    assert cors_headers(response.headers) == {
        "access-control-allow-origin": "*",
        "access-control-expose-headers": EXPOSE,
    }


async def test_options_without_a_preflight_request_method_is_not_a_preflight(
    cors_client: Client,
) -> None:
    response = await cors_client.options(GOALS, headers={"Origin": ALLOWED})
    # Falls through to the app, whose guard wants a token.
    assert response.status_code == 401
    assert response.headers["access-control-allow-origin"] == ALLOWED

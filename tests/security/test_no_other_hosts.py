"""No page goalgate serves loads anything from another host; no API reference UI is served.

Issue #20, row 9: ``/schema/redoc`` loaded an unpinned Redoc bundle from
cdn.redoc.ly without integrity, under ``'unsafe-inline'``, on the origin whose
sessionStorage holds the dashboard's token; ``/schema/swagger``, ``/elements``
and ``/rapidoc`` were served but blocked by their own policy. goalgate now
serves the OpenAPI document only (``/schema/openapi.json`` and ``.yaml``).

Every GET route of the app is asked for HTML (path parameters filled in); each
HTML answer, and each page a browser is sent to, is parsed: no ``src``,
``href`` or ``action`` names another host, every asset it names is served here,
and its Content-Security-Policy names no host and allows no inline script.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from goalgate.app import create_app
from goalgate.settings import Settings
from tests.helpers.http import Client

REMOVED_UIS = ["/schema/redoc", "/schema/swagger", "/schema/elements", "/schema/rapidoc"]
REMOVED_UIS += ["/schema/oauth2-redirect.html", "/schema/stoplight"]
# What each path parameter of a route is filled with.
PARAMETERS = {
    "key": "sk_abc123def456",
    "goal_id": "550e8400-e29b-41d4-a716-446655440000",
    "name": "index.html",
    "path": "redoc",
}
# CSP source expressions that name no host.
LOCAL_SOURCES = {"'self'", "'none'", "data:"}


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Litestar:
    path = tmp_path_factory.mktemp("hosts") / "h.db"
    return create_app(Settings(database_url=f"sqlite+aiosqlite:///{path}"))


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[Client]:
    async with AsyncTestClient(app=app) as test_client:
        yield test_client


class _References(HTMLParser):
    """Every URL an HTML page names in src, href, action or a meta refresh."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("src", "href", "action", "srcset", "poster", "data") and value:
                self.urls.extend(value.split(",") if name == "srcset" else [value])
        if tag == "meta" and dict(attrs).get("http-equiv", "").lower() == "refresh":
            content = dict(attrs).get("content") or ""
            self.urls.append(content.partition("url=")[2])


def references(html: str) -> list[str]:
    parser = _References()
    parser.feed(html)
    return [url.strip().split(" ")[0] for url in parser.urls if url.strip()]


def get_paths(app: Litestar) -> list[str]:
    """Every GET route of the app, its path parameters filled in."""
    paths = []
    for route in app.routes:
        if "GET" in getattr(route, "methods", ()):
            paths.append(re.sub(r"\{(\w+):\w+\}", lambda m: PARAMETERS[m.group(1)], route.path))
    return sorted(set(paths))


def assert_policy_names_no_host(policy: str) -> None:
    for directive in filter(None, (part.strip() for part in policy.split(";"))):
        name, *sources = directive.split()
        assert set(sources) <= LOCAL_SOURCES, directive
        if name in ("script-src", "default-src"):
            assert "'unsafe-inline'" not in sources


async def html_pages(client: Client, app: Litestar) -> dict[str, str]:
    """Every HTML answer of a GET route (and of where its redirects lead), by URL."""
    pages = {}
    for path in [*get_paths(app), "/graphql", "/dashboard/"]:
        response = await client.get(path, headers={"Accept": "text/html"}, follow_redirects=True)
        if response.headers.get("content-type", "").startswith("text/html"):
            pages[str(response.url)] = response.text
            assert_policy_names_no_host(response.headers["content-security-policy"])
    return pages


async def test_the_html_pages_include_the_dashboard_and_graphiql_and_no_reference_ui(
    client: Client, app: Litestar
) -> None:
    titles = {
        urlsplit(url).path: re.search(r"<title>(.*?)</title>", html, re.S).group(1).strip()  # type: ignore[union-attr]
        for url, html in (await html_pages(client, app)).items()
    }
    assert titles["/graphql"] == "goalgate GraphiQL"
    assert titles["/dashboard/"] == "goalgate dashboard"
    assert {title for path, title in titles.items() if path.startswith("/schema")} == {
        "404 Not found"
    }


async def test_no_page_references_another_host_and_every_asset_it_names_is_served(
    client: Client, app: Litestar
) -> None:
    pages = await html_pages(client, app)
    assert len(pages) >= 3
    for url, html in pages.items():
        for reference in references(html):
            target = urlsplit(urljoin(url, reference))
            assert target.scheme in ("http", "data"), (url, reference)
            if target.scheme == "data":
                continue
            assert target.netloc == urlsplit(url).netloc, (url, reference)
            asset = await client.get(target.path)
            assert asset.status_code == 200, (url, reference)


@pytest.mark.parametrize("path", REMOVED_UIS)
async def test_the_api_reference_uis_are_not_served(client: Client, path: str) -> None:
    response = await client.get(path, headers={"Accept": "text/html"})
    assert response.status_code == 404
    assert "<script" not in response.text


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/schema/openapi.json", "application/vnd.oai.openapi+json"),
        ("/schema/openapi.yaml", "application/vnd.oai.openapi"),
    ],
)
async def test_the_openapi_document_is_still_served(
    client: Client, path: str, content_type: str
) -> None:
    response = await client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"] == content_type
    assert "goalgate" in response.text

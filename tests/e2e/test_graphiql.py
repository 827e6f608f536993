"""GraphiQL in a real Chromium cut off from every host but goalgate's.

A ``goalgate serve`` on 127.0.0.1 serves the page; the browser context aborts
any request to another host (and records it), so the page works only if every
asset is self-hosted. A token typed into the headers pane runs a query, and the
token is then nowhere in localStorage, neither in that context nor in a new one
started from its saved storage (a browser restarted with the same profile).
"""

from __future__ import annotations

import asyncio
import json
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlparse

import pytest

from goalgate.storage.db import open_database
from tests.helpers.data import READ, make_token
from tests.helpers.server import Server

pytestmark = pytest.mark.e2e

QUERY = "{ viewer { scopes } }"
# The tools section holds both editors; the visible one is the headers'.
HEADERS_PANE = (
    "section.graphiql-editor-tool[aria-label='Headers'] .graphiql-editor:not(.hidden) .CodeMirror"
)


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """A served goalgate and a read-only token (arranged before the browser's loop starts)."""
    path = tmp_path_factory.mktemp("graphiql")
    database_url = f"sqlite+aiosqlite:///{path / 'goalgate.db'}"

    async def arrange() -> str:
        db = open_database(database_url)
        try:
            await db.migrate()
            return await make_token(db, READ, name="graphiql")
        finally:
            await db.close()

    token = asyncio.run(arrange())
    server = Server(database_url, workers=1, cwd=path)
    try:
        server.wait_ready()
        yield server.base_url, token
    finally:
        code = server.stop()
    # one uvicorn process re-raises the SIGTERM it handled, after a clean shutdown
    assert code in (0, -signal.SIGTERM), server.log.read_text()


def offline_context(browser: Any, blocked: list[str], **options: Any) -> Any:
    """A context in which only 127.0.0.1 answers; any other request is aborted and noted."""
    context = browser.new_context(**options)

    def guard(route: Any) -> None:
        if urlparse(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    context.route("**/*", guard)
    return context


def stored(page: Any) -> dict[str, str]:
    items: dict[str, str] = page.evaluate("() => Object.assign({}, window.localStorage)")
    return items


def test_graphiql_runs_a_query_offline_and_stores_no_token(
    live: tuple[str, str], browser: Any, tmp_path: Path
) -> None:
    base_url, token = live
    blocked: list[str] = []
    problems: list[str] = []
    context = offline_context(browser, blocked)
    page = context.new_page()
    page.on("console", lambda message: message.type == "error" and problems.append(message.text))
    page.on("pageerror", lambda error: problems.append(str(error)))
    # How each script and stylesheet came (issue #25: compressed, decoded by the browser).
    encodings: dict[str, str | None] = {}
    page.on(
        "response",
        lambda r: encodings.__setitem__(urlparse(r.url).path, r.headers.get("content-encoding")),
    )

    page.goto(f"{base_url}/graphql?q={quote(QUERY)}")
    page.wait_for_selector(".graphiql-execute-button")
    assert encodings["/graphiql/vendor/graphiql@3.9.0/graphiql.min.js"] == "br"
    assert encodings["/graphiql/vendor/graphiql@3.9.0/graphiql.min.css"] == "br"
    page.click("button[data-name='headers']")
    page.click(HEADERS_PANE)
    # The editor closes brackets and quotes itself; typing over them leaves this text.
    page.keyboard.type(json.dumps({"Authorization": f"Bearer {token}"}))
    typed = page.evaluate(
        f"() => document.querySelector({json.dumps(HEADERS_PANE)}).CodeMirror.getValue()"
    )
    assert json.loads(typed) == {"Authorization": f"Bearer {token}"}

    page.click(".graphiql-execute-button")
    response = page.locator(".graphiql-response .CodeMirror")
    response.get_by_text('"analytics:read"').wait_for()
    shown = page.evaluate(
        "() => document.querySelector('.graphiql-response .CodeMirror').CodeMirror.getValue()"
    )
    assert json.loads(shown) == {"data": {"viewer": {"scopes": ["analytics:read"]}}}

    # GraphiQL stored its tabs and the query history, with no headers in them.
    items = stored(page)
    assert "graphiql:queries" in items
    # The history entry GraphiQL would have stored the headers in, with them nulled.
    assert json.loads(items["graphiql:queries"]) == {
        "queries": [{"query": QUERY, "variables": "", "headers": None}]
    }
    assert [key for key, value in items.items() if token in value] == []
    assert "graphiql:headers" not in items

    # A reload (same context, same localStorage) starts with an empty headers pane.
    page.reload()
    page.wait_for_selector(".graphiql-execute-button")
    page.click("button[data-name='headers']")
    empty = page.evaluate(
        f"() => document.querySelector({json.dumps(HEADERS_PANE)}).CodeMirror.getValue()"
    )
    assert empty == ""

    saved = tmp_path / "storage.json"
    context.storage_state(path=str(saved))
    context.close()
    assert token not in saved.read_text()

    # A new context, started from what the first one kept, finds no token either.
    again = offline_context(browser, blocked, storage_state=str(saved))
    page = again.new_page()
    page.goto(f"{base_url}/graphql")
    page.wait_for_selector(".graphiql-execute-button")
    items = stored(page)
    assert "graphiql:queries" in items
    assert [key for key, value in items.items() if token in value] == []
    again.close()

    assert blocked == []
    assert problems == []

"""Fixtures of the dashboard's browser tests (the helpers are in tests/helpers/dashboard.py).

``goalgate``: one server per test module, on a SQLite file seeded by ``goalgate
demo``, with the demo token and a read-only and a write-only one. ``tab``,
``tab_factory``: fresh browser contexts; any console error or uncaught
exception in one fails the test that opened it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.helpers.dashboard import DESKTOP, Goalgate, Tab, cli


@pytest.fixture(scope="module")
def goalgate(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Goalgate]:
    cwd = tmp_path_factory.mktemp("dashboard")
    url = f"sqlite+aiosqlite:///{cwd / 'goalgate.db'}"
    printed = cli(url, cwd, "demo", "--token-file", str(cwd / "demo-token"))
    # `make run` shows the dashboard and the token first
    lines = printed.splitlines()
    assert lines[0].startswith("dashboard:  http://"), printed
    assert "/dashboard/" in lines[0], printed
    assert lines[1].startswith("demo token: gg_"), printed
    demo_token = (cwd / "demo-token").read_text().strip()
    assert lines[1] == f"demo token: {demo_token}"
    made = "tokens create --site sk_demo --name {} --scope analytics:{}"
    reader = cli(url, cwd, *made.format("reader", "read").split())
    writer = cli(url, cwd, *made.format("writer", "write").split())
    app = Goalgate(url, cwd)
    app.tokens = {"demo": demo_token, "reader": reader.strip(), "writer": writer.strip()}
    try:
        yield app
    finally:
        app.server.stop()


@pytest.fixture
def tab_factory(browser: Any, goalgate: Goalgate) -> Iterator[Callable[..., Tab]]:
    tabs: list[Tab] = []

    def make(viewport: dict[str, int] = DESKTOP) -> Tab:
        tab = Tab(browser, goalgate, viewport)
        tabs.append(tab)
        return tab

    yield make
    try:
        for tab in tabs:
            assert tab.errors == [], tab.errors
    finally:
        for tab in tabs:
            tab.context.close()


@pytest.fixture
def tab(tab_factory: Callable[..., Tab]) -> Tab:
    return tab_factory()

"""The dashboard on a goalgate that runs trusted documents only (issue 23, part 4).

The build ships its own manifest, persisted-documents.json, written by the
dashboard's build from the operations it sends. A ``goalgate serve`` with
GOALGATE_GRAPHQL_TRUSTED_DOCUMENTS pointing at that file serves the dashboard
in full (the overview's figures and goals, a goal's page), and refuses any
other document. The numbers the page should show are asked of a second server,
in the ordinary mode, on the same database: the test's own questions are not
in the manifest.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from goalgate.api.graphql.trusted import NOT_IN_LIST
from tests.e2e.test_dashboard_overview import assert_figures, open_overview, overview
from tests.helpers.dashboard import SITE, Goalgate, Tab, assert_table_shows, cli
from tests.helpers.server import ROOT

pytestmark = pytest.mark.e2e

MANIFEST = ROOT / "src" / "goalgate" / "api" / "dashboard" / "static" / "persisted-documents.json"


@pytest.fixture(scope="module")
def plain(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Goalgate]:
    """The demo data behind an ordinary server: the test's own questions go here."""
    cwd = tmp_path_factory.mktemp("trusted")
    url = f"sqlite+aiosqlite:///{cwd / 'goalgate.db'}"
    cli(url, cwd, "demo", "--token-file", str(cwd / "demo-token"))
    app = Goalgate(url, cwd)
    app.tokens = {"demo": (cwd / "demo-token").read_text().strip()}
    try:
        yield app
    finally:
        app.server.stop()


@pytest.fixture(scope="module")
def goalgate(plain: Goalgate) -> Iterator[Goalgate]:
    """The same database behind a server that runs only the dashboard's documents
    (the tabs of tests/e2e/conftest.py open this one)."""
    env = {"GOALGATE_GRAPHQL_TRUSTED_DOCUMENTS": str(MANIFEST)}
    app = Goalgate(plain.database_url, plain.cwd, env=env)
    app.tokens = plain.tokens
    try:
        yield app
    finally:
        app.server.stop()


def post(goalgate: Goalgate, body: dict[str, Any]) -> httpx.Response:
    return httpx.post(
        f"{goalgate.base_url}/graphql",
        json=body,
        headers={"Authorization": f"Bearer {goalgate.tokens['demo']}"},
        timeout=30,
    )


def test_the_build_ships_a_manifest_of_the_documents_it_sends() -> None:
    manifest = json.loads(MANIFEST.read_text())
    names = sorted(
        re.search(r"(?:query|mutation|subscription) (\w+)", text).group(1)  # type: ignore[union-attr]
        for text in manifest.values()
    )
    assert names == [
        "CreateGoal",
        "DeleteGoal",
        "FunnelGoals",
        "GoalBreakdown",
        "GoalDefinition",
        "GoalDetail",
        "GoalsOverview",
        "LiveConversions",
        "PreviewGoal",
        "SiteFunnel",
        "SiteOverview",
        "UpdateGoal",
        "Viewer",
    ]


def test_the_dashboard_works_on_a_server_running_its_manifest_only(
    tab: Tab, goalgate: Goalgate, plain: Goalgate
) -> None:
    page = open_overview(tab)
    site = overview(plain)
    assert_figures(page, site["stats"])
    goals = plain.goals()
    assert_table_shows(page, goals)
    tab.shot("trusted-documents-overview")
    # A goal's own page: another document of the manifest.
    first = goals[0]["name"]
    page.locator("table.goals").get_by_role("link", name=first, exact=True).click()
    page.get_by_role("heading", name=first, level=1).wait_for()
    page.locator("figure.chart svg").first.wait_for()
    tab.shot("trusted-documents-goal")


def test_any_other_document_is_refused_and_the_manifest_ids_run(goalgate: Goalgate) -> None:
    other = post(goalgate, {"query": "query Mine { viewer { name } }"})
    assert other.status_code == 200
    assert other.json() == {
        "errors": [{"message": NOT_IN_LIST, "extensions": {"code": "PERSISTED_QUERY_NOT_IN_LIST"}}]
    }
    unknown = post(goalgate, {"documentId": "sha256:" + "0" * 64})
    assert unknown.status_code == 200
    assert unknown.json()["errors"][0]["extensions"] == {"code": "PERSISTED_QUERY_NOT_FOUND"}
    # The manifest's documents run by id too, not only by the text the page sends.
    manifest = json.loads(MANIFEST.read_text())
    (viewer_id,) = [key for key, text in manifest.items() if "query Viewer " in text]
    by_id = post(goalgate, {"documentId": viewer_id})
    assert by_id.status_code == 200
    data = by_id.json()["data"]["viewer"]
    assert data["name"] == "demo"
    assert [site["key"] for site in data["sites"]] == [SITE]

"""The dashboard's browser tests, shared: the server, the tab and the page's texts.

``Goalgate`` is one ``goalgate serve`` on a SQLite file seeded by ``goalgate
demo``, with the API asked from the test's side (``gql``); ``Tab`` is a page in
a fresh browser context that records console errors and writes screenshots to
test-artifacts/dashboard/. ``count``, ``money``, ``percent`` and ``near`` write
and read numbers as the page shows them. The fixtures that make these live in
tests/e2e/conftest.py.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar
from unittest import mock

import httpx

from tests.helpers.server import ROOT, Server, child_env

T = TypeVar("T")

SITE = "sk_demo"
ARTIFACTS = ROOT / "test-artifacts" / "dashboard"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
CURRENCY_SIGNS = {"USD": "$", "EUR": "€"}

GOALS_QUERY = """
query($site: String!, $period: StatsPeriod!, $from: Date, $to: Date, $filter: [StatsFilter!]) {
  site(key: $site) { goals(first: 100) { nodes { id name
    stats(period: $period, from: $from, to: $to, compare: PREVIOUS_PERIOD, filter: $filter) {
      conversions uniqueConversions conversionRate revenue { amount currency }
      change { conversions } } } } }
}
"""
PREVIEW_QUERY = """
query($site: String!, $input: GoalMatchInput!) {
  previewGoal(siteKey: $site, input: $input) {
    stats { conversions uniqueConversions }
    topMatches { value conversions }
    userErrors { code field message }
  }
}
"""
FIND_GOALS = """
query($site: String!) { site(key: $site) { goals(first: 100) { nodes { id name } } } }
"""


def cli(database_url: str, cwd: Path, *args: str) -> str:
    command = [sys.executable, "-c", "from goalgate.cli import main; main()", *args]
    done = subprocess.run(
        command, cwd=cwd, env=child_env(database_url), capture_output=True, text=True, check=True
    )
    return done.stdout


class Goalgate:
    """``goalgate serve`` on one port for the whole module; ``restart`` keeps the port."""

    def __init__(self, database_url: str, cwd: Path, env: dict[str, str] | None = None) -> None:
        self.database_url = database_url
        self.cwd = cwd
        self.env = env
        self.server = Server(database_url, workers=1, cwd=cwd, env=env)
        self.server.wait_ready()
        self.base_url = self.server.base_url
        self.tokens: dict[str, str] = {}

    def crash(self) -> None:
        self.server.kill()

    def start_again(self) -> None:
        with mock.patch("tests.helpers.server.free_port", return_value=self.server.port):
            self.server = Server(self.database_url, workers=1, cwd=self.cwd, env=self.env)
        self.server.wait_ready()

    def gql(self, query: str, variables: dict[str, Any], token: str | None = None) -> Any:
        response = httpx.post(
            f"{self.base_url}/graphql",
            json={"query": query, "variables": variables},
            headers={"Authorization": f"Bearer {token or self.tokens['demo']}"},
            timeout=30,
        )
        body = response.json()
        assert "errors" not in body, body
        return body["data"]

    def goals(
        self,
        period: str = "LAST_30_DAYS",
        start: str | None = None,
        end: str | None = None,
        filter: list[dict[str, Any]] | None = None,
    ) -> list[dict[str, Any]]:
        variables = {"site": SITE, "period": period, "from": start, "to": end, "filter": filter}
        nodes: list[dict[str, Any]] = self.gql(GOALS_QUERY, variables)["site"]["goals"]["nodes"]
        return nodes

    def goal_id(self, name: str) -> str | None:
        for goal in self.gql(FIND_GOALS, {"site": SITE})["site"]["goals"]["nodes"]:
            if goal["name"] == name:
                return str(goal["id"])
        return None

    def preview(self, **match: str) -> dict[str, Any]:
        result: dict[str, Any] = self.gql(PREVIEW_QUERY, {"site": SITE, "input": match})[
            "previewGoal"
        ]
        return result

    def post_event(self, event: dict[str, Any]) -> None:
        response = httpx.post(f"{self.base_url}/api/v1/analytics/events", json=event, timeout=10)
        assert response.status_code == 202, response.text


class Tab:
    """A page in a fresh browser context (empty storage), recording console errors."""

    def __init__(self, browser: Any, goalgate: Goalgate, viewport: dict[str, int]) -> None:
        self.context = browser.new_context(viewport=viewport, locale="en-US", timezone_id="UTC")
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.goalgate = goalgate
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(f"uncaught: {e}"))

    def open(self) -> None:
        self.page.goto(f"{self.goalgate.base_url}/")
        assert self.page.url.startswith(f"{self.goalgate.base_url}/dashboard/")

    def sign_in(self, token: str) -> None:
        self.open()
        self.page.get_by_label("API token", exact=True).fill(token)
        self.page.get_by_role("button", name="Sign in").click()
        self.page.get_by_role("button", name="Sign out").wait_for()

    def shot(self, name: str) -> None:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def wait_for(read: Callable[[], T], expected: T, timeout: float = 10.0) -> T:
    """Reads until the page shows `expected` (it loads asynchronously); returns the last read."""
    deadline = time.monotonic() + timeout
    while True:
        value = read()
        if value == expected or time.monotonic() > deadline:
            return value
        time.sleep(0.05)


def count(n: int) -> str:
    return f"{n:,}"


def money(value: dict[str, str] | None) -> str:
    if value is None:
        return "—"
    return f"{CURRENCY_SIGNS[value['currency']]}{Decimal(value['amount']):,.2f}"


def percent(text: str) -> float | None:
    """Reads a shown percentage: 49.97% -> 49.97, +1.5% -> 1.5, a dash -> None."""
    if text.strip() == "—":
        return None
    return float(text.strip().rstrip("%").replace(",", ""))


def near(shown: float | None, value: float | None, decimals: int) -> bool:
    if shown is None or value is None:
        return shown is value
    return abs(shown - value * 100) <= 0.5 * 10**-decimals + 1e-9


def table_rows(page: Any) -> dict[str, dict[str, str]]:
    return page.evaluate(
        """() => Object.fromEntries(
          [...document.querySelectorAll('table.goals tbody tr[data-goal-id]')]
          .map((row) => [row.dataset.goalId, {
            name: row.querySelector('th a').textContent,
            conversions: row.querySelector('[data-column=conversions]').textContent,
            uniqueConversions: row.querySelector('[data-column=uniqueConversions]').textContent,
            conversionRate: row.querySelector('[data-column=conversionRate]').textContent,
            revenue: row.querySelector('[data-column=revenue]').textContent,
            change: row.querySelector('[data-column=change] .change-figure').textContent,
          }]))"""
    )


def expected_rows(goals: list[dict[str, Any]]) -> dict[str, dict[str, str]]:
    """The exact texts (rates and changes are checked with `near`)."""
    return {
        goal["id"]: {
            "name": goal["name"],
            "conversions": count(goal["stats"]["conversions"]),
            "uniqueConversions": count(goal["stats"]["uniqueConversions"]),
            "revenue": money(goal["stats"]["revenue"]),
        }
        for goal in goals
    }


def exact_part(rows: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
    keep = ("name", "conversions", "uniqueConversions", "revenue")
    return {key: {k: row[k] for k in keep} for key, row in rows.items()}


def assert_table_shows(page: Any, goals: list[dict[str, Any]]) -> None:
    expected = expected_rows(goals)
    shown = wait_for(lambda: exact_part(table_rows(page)), expected)
    assert shown == expected
    rows = table_rows(page)
    for goal in goals:
        row = rows[goal["id"]]
        stats = goal["stats"]
        assert near(percent(row["conversionRate"]), stats["conversionRate"], 2), (row, stats)
        change = stats["change"]["conversions"] if stats["change"] else None
        assert near(percent(row["change"]), change, 1), (row, stats)


ACCESSIBLE_NAMES = """() => [
    ...document.querySelectorAll('a[href], button, input, select, textarea, [tabindex="0"]'),
  ]
  .filter((el) => !el.closest('[hidden]'))
  .filter((el) => {
    const label = el.getAttribute('aria-label')
      || (el.labels && [...el.labels].map((l) => l.textContent).join(' '))
      || el.textContent;
    return !(label && label.trim());
  })
  .map((el) => el.outerHTML.slice(0, 120))"""

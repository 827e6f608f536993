"""The dashboard in a real browser against a real goalgate server (issue 15).

One ``goalgate serve`` process per module, on a SQLite file seeded by
``goalgate demo`` (a year of demo traffic) plus a read-only and a write-only
token made with ``goalgate tokens create``. Headless Chromium (Debian's
/usr/bin/chromium) opens ``/`` and does what a person would: signs in with a
pasted token, reads the goals for each period, opens a goal's chart, creates a
goal while watching its preview, renames and deletes it, sees an event posted to
the ingestion API arrive in the live ticker (also after the server went away
and came back), and signs out.

Every number on screen is compared with what the GraphQL API answers for the
same question, asked by the test itself just before. Counts and money must be
identical text; rates and changes, which the page rounds, must agree to the
shown precision. Every page must log no console error (a CSP violation is one)
and no uncaught exception.

Screenshots of each view at desktop and phone width go to
test-artifacts/dashboard/ (gitignored); docs/img/dashboard.png is a copy of
desktop-live.png (the goals, with a conversion in the live ticker).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest

from tests.helpers.dashboard import (
    ACCESSIBLE_NAMES,
    GOALS_QUERY,
    PHONE,
    SITE,
    Goalgate,
    Tab,
    assert_table_shows,
    cli,
    count,
    money,
    near,
    percent,
    table_rows,
    wait_for,
)

pytestmark = pytest.mark.e2e

PERIOD_NAMES = {
    "LAST_7_DAYS": "Last 7 days",
    "LAST_30_DAYS": "Last 30 days",
    "LAST_12_MONTHS": "Last 12 months",
}

GOAL_QUERY = """
query($site: String!, $id: ID!, $interval: StatsInterval!) {
  goal(siteKey: $site, id: $id) { name type matchType matchValue currency
    stats(period: LAST_30_DAYS, compare: PREVIOUS_PERIOD) {
      conversions uniqueConversions conversionRate visitors revenue { amount currency }
      revenueByCurrency { amount currency } unconvertedConversions
      timeseries(interval: $interval) { date conversions }
      previous { timeseries(interval: $interval) { date conversions } } } }
}
"""
RENAME = """
mutation($site: String!, $id: ID!, $name: String!) {
  updateGoal(siteKey: $site, id: $id, input: {name: $name}) { goal { name } userErrors { message } }
}
"""


# --------------------------------------------------------------------------
# the server, the tab and the numbers as text are in tests/helpers/dashboard.py


def scopes_shown(page: Any) -> list[str]:
    items: list[str] = (
        page.get_by_role("list", name="Scopes").get_by_role("listitem").all_inner_texts()
    )
    return items


# --------------------------------------------------------------------------
# the tests


def test_sign_in_shows_the_token_its_scopes_and_sites(tab: Tab) -> None:
    tab.open()
    expect_title = tab.page.get_by_role("heading", name="goalgate dashboard")
    expect_title.wait_for()
    tab.shot("desktop-signin")
    # a wrong token is refused and kept nowhere
    tab.page.get_by_label("API token", exact=True).fill("gg_not_a_token")
    tab.page.get_by_role("button", name="Sign in").click()
    tab.page.get_by_text("goalgate does not know this token").wait_for()
    assert tab.page.evaluate("sessionStorage.length") == 0

    tab.page.get_by_label("API token", exact=True).fill(tab.goalgate.tokens["demo"])
    tab.page.get_by_role("button", name="Sign in").click()
    tab.page.get_by_role("list", name="Scopes").wait_for()
    assert scopes_shown(tab.page) == ["analytics:read", "analytics:write"]
    header = tab.page.locator("header.topbar").inner_text()
    assert "demo" in header
    assert "1 site: sk_demo" in header
    assert tab.page.get_by_label("Site", exact=True).input_value() == SITE


def test_the_goals_show_the_numbers_the_api_gives_for_each_period(
    tab: Tab, goalgate: Goalgate
) -> None:
    tab.sign_in(goalgate.tokens["demo"])
    page = tab.page
    assert page.get_by_label("Period", exact=True).input_value() == "LAST_30_DAYS"
    assert_table_shows(page, goalgate.goals("LAST_30_DAYS"))
    assert len(table_rows(page)) == 5
    page.locator("table.goals svg.sparkline").first.wait_for()
    tab.shot("desktop-goals")

    for period in ("LAST_7_DAYS", "LAST_12_MONTHS"):
        page.get_by_label("Period", exact=True).select_option(period)
        page.locator(".period-echo", has_text=PERIOD_NAMES[period]).wait_for()
        assert_table_shows(page, goalgate.goals(period))
        assert f"period={'7d' if period == 'LAST_7_DAYS' else '12mo'}" in page.url

    # a custom range from the date pickers
    today = date.today()
    start, end = (today - timedelta(days=75)).isoformat(), (today - timedelta(days=20)).isoformat()
    page.get_by_label("Period", exact=True).select_option("CUSTOM")
    page.get_by_label("From", exact=True).fill(start)
    page.get_by_label("To", exact=True).fill(end)
    page.get_by_role("button", name="Apply").click()
    page.locator(".period-echo", has_text=f"{start} to {end}").wait_for()
    assert_table_shows(page, goalgate.goals("CUSTOM", start, end))

    # an impossible range is explained, not sent
    page.get_by_label("From", exact=True).fill(end)
    page.get_by_label("To", exact=True).fill(start)
    page.get_by_role("button", name="Apply").click()
    assert page.get_by_role("alert").inner_text() == "The start date is after the end date."


def test_every_column_sorts(tab: Tab, goalgate: Goalgate) -> None:
    tab.sign_in(goalgate.tokens["demo"])
    page = tab.page
    goals = goalgate.goals()
    assert_table_shows(page, goals)

    def names() -> list[str]:
        return page.locator("table.goals tbody th a").all_inner_texts()

    def key(column: str) -> Callable[[dict[str, Any]], Any]:
        def value(goal: dict[str, Any]) -> Any:
            stats = goal["stats"]
            if column == "revenue":
                return Decimal(stats["revenue"]["amount"]) if stats["revenue"] else None
            if column == "change":
                return stats["change"]["conversions"] if stats["change"] else None
            return stats[column]

        return value

    assert names() == sorted((g["name"] for g in goals), key=str.lower)
    for label, column in [
        ("Conversions", "conversions"),
        ("Unique", "uniqueConversions"),
        ("Conv. rate", "conversionRate"),
        ("Revenue", "revenue"),
        ("Change", "change"),
    ]:
        button = page.locator("th button.sort", has_text=label)
        button.click()  # largest first; a missing number last; ties by name
        present = [g for g in goals if key(column)(g) is not None]
        missing = sorted((g["name"] for g in goals if key(column)(g) is None), key=str.lower)
        ordered = sorted(present, key=lambda g: (-key(column)(g), g["name"].lower()))
        assert names() == [g["name"] for g in ordered] + missing, label
        assert button.locator("xpath=..").get_attribute("aria-sort") == "descending"
        button.click()
        ordered = sorted(present, key=lambda g: (key(column)(g), g["name"].lower()))
        assert names() == [g["name"] for g in ordered] + missing, label
        assert button.locator("xpath=..").get_attribute("aria-sort") == "ascending"


def test_a_goal_has_its_chart_with_the_previous_period_revenue_and_top_matches(
    tab: Tab, goalgate: Goalgate
) -> None:
    tab.sign_in(goalgate.tokens["demo"])
    page = tab.page
    page.get_by_role("link", name="Purchase", exact=True).click()
    page.get_by_role("heading", name="Purchase", level=1).wait_for()
    goal_id = goalgate.goal_id("Purchase")
    assert goal_id is not None
    goal = goalgate.gql(GOAL_QUERY, {"site": SITE, "id": goal_id, "interval": "DAY"})["goal"]
    stats = goal["stats"]

    def figure(name: str) -> str:
        return str(page.locator(f"[data-figure={name}]").inner_text())

    assert figure("conversions") == count(stats["conversions"])
    assert figure("uniqueConversions") == count(stats["uniqueConversions"])
    assert near(percent(figure("conversionRate")), stats["conversionRate"], 2)
    assert figure("revenue") == money(stats["revenue"])
    assert f"of {count(stats['visitors'])} visitors" in page.locator(".cards").inner_text()

    # the chart: this period and the previous one overlaid
    chart = page.locator("figure.chart svg")
    assert chart.locator("path.line-current").count() == 1
    assert chart.locator("path.line-previous").count() == 1
    assert "Conversions per day" in (chart.get_attribute("aria-label") or "")

    def bucket_rows() -> list[list[str]]:
        return page.locator("details.numbers tbody tr").evaluate_all(
            "rows => rows.map(r => [...r.cells].map(c => c.textContent))"
        )

    def expected_buckets(g: dict[str, Any]) -> list[list[str]]:
        current = g["stats"]["timeseries"]
        previous = g["stats"]["previous"]["timeseries"]
        # bucket by bucket; the compared period may have a bucket less (weeks, months)
        return [
            [day(b["date"]), count(b["conversions"])]
            + (
                [day(previous[i]["date"]), count(previous[i]["conversions"])]
                if i < len(previous)
                else ["", ""]
            )
            for i, b in enumerate(current)
        ]

    page.get_by_text("Show the numbers").click()
    assert len(stats["timeseries"]) >= 30
    assert bucket_rows() == expected_buckets(goal)
    tab.shot("desktop-goal")

    page.get_by_label("Buckets", exact=True).select_option("WEEK")
    weekly = goalgate.gql(GOAL_QUERY, {"site": SITE, "id": goal_id, "interval": "WEEK"})["goal"]
    assert wait_for(bucket_rows, expected_buckets(weekly)) == expected_buckets(weekly)
    assert "interval=WEEK" in page.url
    page.get_by_role("heading", name="Conversions per week").wait_for()

    # revenue per currency as sent, and the conversions no rate could convert
    shown = page.locator("[data-list=revenue-by-currency] li").evaluate_all(
        "items => items.map(li => [li.querySelector('span').textContent,"
        " li.querySelector('strong').textContent])"
    )
    assert shown == [[m["currency"], money(m)] for m in stats["revenueByCurrency"]]
    assert {m["currency"] for m in stats["revenueByCurrency"]} == {"EUR", "USD"}
    callout = page.locator(".callout[role=note]")
    if stats["unconvertedConversions"]:
        assert callout.inner_text().startswith(
            f"{count(stats['unconvertedConversions'])} conversion"
        )
    else:
        assert callout.count() == 0

    # the top matching names come from the goal's preview
    preview = goalgate.preview(
        type=goal["type"],
        matchType=goal["matchType"],
        matchValue=goal["matchValue"],
        currency=goal["currency"],
    )
    matches = page.locator("section[aria-labelledby=matches-title] tbody tr").evaluate_all(
        "rows => rows.map(r => [...r.cells].map(c => c.textContent))"
    )
    assert matches == [[m["value"], count(m["conversions"])] for m in preview["topMatches"]]


def day(iso: str) -> str:
    value = date.fromisoformat(iso)
    return f"{value.strftime('%b')} {value.day}, {value.year}"


BREAKDOWN_QUERY = """
query($site: String!, $id: ID!, $by: Dimension!, $filter: [StatsFilter!], $after: String) {
  goal(siteKey: $site, id: $id) {
    stats(period: LAST_30_DAYS, compare: PREVIOUS_PERIOD, filter: $filter) {
      conversions uniqueConversions conversionRate visitors revenue { amount currency }
      timeseries(interval: DAY) { date conversions } }
    breakdown(by: $by, period: LAST_30_DAYS, first: 10, after: $after, filter: $filter) {
      nodes { value conversions uniqueConversions conversionRate revenue { amount currency } }
      pageInfo { hasNextPage endCursor } } }
}
"""


def breakdown_rows(page: Any) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = page.evaluate(
        """() => [...document.querySelectorAll('table.breakdown-table tbody tr')].map((row) => ({
          value: row.dataset.value,
          conversions: row.querySelector('[data-column=conversions]').textContent,
          uniqueConversions: row.querySelector('[data-column=uniqueConversions]').textContent,
          revenue: row.querySelector('[data-column=revenue]')?.textContent ?? null,
        }))"""
    )
    return rows


def breakdown_rates(page: Any) -> list[str]:
    rates: list[str] = page.locator(
        "table.breakdown-table tbody [data-column=conversionRate]"
    ).all_inner_texts()
    return rates


def expected_breakdown(nodes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "value": node["value"],
            "conversions": count(node["conversions"]),
            "uniqueConversions": count(node["uniqueConversions"]),
            "revenue": money(node["revenue"]) if node["revenue"] else None,
        }
        for node in nodes
    ]


def test_a_goal_breaks_down_by_country_and_filters_by_a_value(tab: Tab, goalgate: Goalgate) -> None:
    """Issue 14: the breakdown panel, its paging, a value as a filter (in the
    address), and the goal's numbers and chart under it: all exactly what the
    GraphQL API answers for the same query."""
    goal_id = goalgate.goal_id("Purchase")
    assert goal_id is not None

    def api(by: str, filter: list[dict[str, Any]] | None = None, after: str | None = None) -> Any:
        variables = {"site": SITE, "id": goal_id, "by": by, "filter": filter, "after": after}
        return goalgate.gql(BREAKDOWN_QUERY, variables)["goal"]

    def figure(name: str) -> str:
        return str(page.locator(f"[data-figure={name}]").inner_text())

    def figures() -> dict[str, str]:
        return {name: figure(name) for name in ("conversions", "uniqueConversions", "revenue")}

    def expected_figures(stats: dict[str, Any]) -> dict[str, str]:
        return {
            "conversions": count(stats["conversions"]),
            "uniqueConversions": count(stats["uniqueConversions"]),
            "revenue": money(stats["revenue"]),
        }

    def assert_breakdown(nodes: list[dict[str, Any]]) -> None:
        expected = expected_breakdown(nodes)
        assert wait_for(lambda: breakdown_rows(page), expected) == expected
        for shown, node in zip(breakdown_rates(page), nodes, strict=True):
            assert near(percent(shown), node["conversionRate"], 2), (shown, node)

    def assert_stats(stats: dict[str, Any]) -> None:
        expected = expected_figures(stats)
        assert wait_for(figures, expected) == expected
        assert near(percent(figure("conversionRate")), stats["conversionRate"], 2)
        assert f"of {count(stats['visitors'])} visitors" in page.locator(".cards").inner_text()
        buckets = [[day(b["date"]), count(b["conversions"])] for b in stats["timeseries"]]
        shown = page.locator("details.numbers tbody tr").evaluate_all(
            "rows => rows.map(r => [...r.cells].slice(0, 2).map(c => c.textContent))"
        )
        assert shown == buckets

    tab.sign_in(goalgate.tokens["demo"])
    page = tab.page
    page.get_by_role("link", name="Purchase", exact=True).click()
    page.get_by_role("heading", name="Purchase", level=1).wait_for()
    assert "period=30d" in page.url  # the list's links carry the period
    panel = page.get_by_role("region", name="Where conversions come from")
    panel.wait_for()
    page.get_by_text("Show the numbers").click()

    # by source first, with revenue (the goal tracks it)
    whole = api("SOURCE")
    assert_breakdown(whole["breakdown"]["nodes"])
    assert_stats(whole["stats"])
    headings = panel.locator("thead th").all_inner_texts()
    assert headings == [
        "Source",
        "Conversions",
        "Unique conversions",
        "Conversion rate",
        "Revenue",
    ]

    # by country: the top 10, then 10 more through the cursor
    page.get_by_label("Break down by", exact=True).select_option("COUNTRY")
    by_country = api("COUNTRY")["breakdown"]
    assert len(by_country["nodes"]) == 10
    assert_breakdown(by_country["nodes"])
    assert "by=country" in page.url
    assert by_country["pageInfo"]["hasNextPage"]
    more = api("COUNTRY", after=by_country["pageInfo"]["endCursor"])["breakdown"]
    panel.get_by_role("button", name=re.compile("^More")).click()
    assert_breakdown(by_country["nodes"] + more["nodes"])
    tab.shot("desktop-goal-breakdown")

    # a value as a filter: a chip, the address, and the goal's numbers under it
    top = next(n for n in by_country["nodes"] if n["value"] != "(unknown)")
    button = panel.locator(f"tr[data-value={top['value']}] th button")
    name = button.inner_text()
    button.click()
    chip = page.locator(".chip")
    chip.wait_for()
    assert chip.locator(".chip-text").inner_text() == f"Country is {name}"
    assert f"filter=country%3Ais%3A{top['value']}" in page.url
    clause = [{"dimension": "COUNTRY", "operator": "IS", "values": [top["value"]]}]
    filtered = api("COUNTRY", clause)
    assert filtered["stats"]["conversions"] == top["conversions"]
    assert filtered["stats"]["conversions"] < whole["stats"]["conversions"]
    assert_stats(filtered["stats"])
    assert_breakdown(filtered["breakdown"]["nodes"])
    assert [n["value"] for n in filtered["breakdown"]["nodes"]] == [top["value"]]
    tab.shot("desktop-goal-filtered")

    # the address carries it: a reload shows the same
    page.reload()
    page.locator(".chip").wait_for()
    page.get_by_text("Show the numbers").click()
    assert_stats(filtered["stats"])
    assert page.get_by_label("Break down by", exact=True).input_value() == "COUNTRY"

    # by source under the filter
    page.get_by_label("Break down by", exact=True).select_option("SOURCE")
    assert_breakdown(api("SOURCE", clause)["breakdown"]["nodes"])

    # removing the chip brings the whole numbers back
    page.get_by_role("button", name=f"Remove the filter Country is {name}").click()
    chip.wait_for(state="detached")
    assert "filter=" not in page.url
    assert_stats(whole["stats"])
    assert_breakdown(whole["breakdown"]["nodes"])
    assert page.evaluate("document.activeElement.id") == "page-title"

    # a filter goalgate refuses (BAD_USER_INPUT): its message where the numbers
    # and the breakdown would be, and the chip still takes it away
    refused = httpx.post(
        f"{goalgate.base_url}/graphql",
        json={
            "query": BREAKDOWN_QUERY,
            "variables": {
                "site": SITE,
                "id": goal_id,
                "by": "SOURCE",
                "filter": [{"dimension": "COUNTRY", "operator": "IS", "values": ["XX1"]}],
            },
        },
        headers={"Authorization": f"Bearer {goalgate.tokens['demo']}"},
        timeout=30,
    ).json()
    messages = {tuple(e["path"]): e["message"] for e in refused["errors"]}
    assert {e["extensions"]["code"] for e in refused["errors"]} == {"BAD_USER_INPUT"}
    page.evaluate(
        "hash => { location.hash = hash; }",
        f"#/goals/{goal_id}?site={SITE}&period=30d&filter=country:is:XX1",
    )
    box = page.locator("[data-stats=unavailable]")
    box.wait_for()
    assert box.locator(".unavailable-reason").inner_text() == messages[("goal", "stats")]
    breakdown_error = panel.locator("[data-error=breakdown]")
    breakdown_error.wait_for()
    assert messages[("goal", "breakdown")] in breakdown_error.inner_text()
    page.get_by_role("button", name="Remove the filter Country is XX1").click()
    page.locator("[data-figure=conversions]").wait_for()
    page.get_by_text("Show the numbers").click()
    assert_stats(whole["stats"])


def test_create_with_a_live_preview_then_rename_and_delete(tab: Tab, goalgate: Goalgate) -> None:
    tab.sign_in(goalgate.tokens["demo"])
    page = tab.page
    page.get_by_role("link", name="New goal").click()
    page.get_by_role("heading", name="New goal").wait_for()
    page.get_by_label("Name", exact=True).fill("E2E blog reads")
    page.get_by_label("Type", exact=True).select_option("PAGEVIEW")
    page.get_by_label("Match type", exact=True).select_option("CONTAINS")

    def shown_preview() -> str:
        found = page.locator("[data-preview=conversions]")
        return str(found.inner_text()) if found.count() else ""

    def shown_matches() -> list[list[str]]:
        return page.locator("[data-preview=matches] tbody tr").evaluate_all(
            "rows => rows.map(r => [...r.cells].map(c => c.textContent))"
        )

    value = page.get_by_label("Match value", exact=True)
    value.press_sequentially("/blog", delay=40)
    broad = goalgate.preview(type="PAGEVIEW", matchType="CONTAINS", matchValue="/blog")
    wanted = count(broad["stats"]["conversions"])
    assert wait_for(shown_preview, wanted) == wanted

    value.press_sequentially("/1", delay=40)
    narrow = goalgate.preview(type="PAGEVIEW", matchType="CONTAINS", matchValue="/blog/1")
    assert 0 < narrow["stats"]["conversions"] < broad["stats"]["conversions"]
    wanted = count(narrow["stats"]["conversions"])
    assert wait_for(shown_preview, wanted) == wanted
    expected_matches = [[m["value"], count(m["conversions"])] for m in narrow["topMatches"]]
    assert wait_for(shown_matches, expected_matches) == expected_matches
    tab.shot("desktop-editor")

    # a mistake is shown beside the field the API names
    page.get_by_label("Match type", exact=True).select_option("REGEX")
    value.fill("/blog/(")
    bad = goalgate.preview(type="PAGEVIEW", matchType="REGEX", matchValue="/blog/(")
    [problem] = bad["userErrors"]
    assert problem["field"] == ["input", "matchValue"]
    error = page.locator("#matchValue-error")
    error.wait_for()
    assert error.inner_text() == problem["message"]
    assert value.get_attribute("aria-invalid") == "true"
    assert "matchValue-error" in (value.get_attribute("aria-describedby") or "")
    page.get_by_label("Match type", exact=True).select_option("CONTAINS")
    value.fill("/blog/1")
    error.wait_for(state="detached")

    page.get_by_role("button", name="Create goal").click()
    page.get_by_role("heading", name="E2E blog reads", level=1).wait_for()
    goal_id = goalgate.goal_id("E2E blog reads")
    assert goal_id is not None
    assert f"#/goals/{goal_id}?" in page.url
    assert page.locator("[data-figure=conversions]").inner_text() == wanted

    # rename
    page.get_by_role("link", name="Edit E2E blog reads").click()
    page.get_by_label("Name", exact=True).fill("E2E blog posts")
    page.get_by_role("button", name="Save changes").click()
    page.get_by_role("heading", name="E2E blog posts", level=1).wait_for()
    assert goalgate.goal_id("E2E blog posts") == goal_id

    # a name another goal has: the API's TAKEN message beside the name
    page.get_by_role("link", name="Edit E2E blog posts").click()
    page.get_by_label("Name", exact=True).fill("Purchase")
    page.get_by_role("button", name="Save changes").click()
    taken = page.locator("#name-error")
    taken.wait_for()
    assert "Purchase" in taken.inner_text()

    # changed elsewhere meanwhile: a clear message, and a reload shows the new version
    renamed = goalgate.gql(RENAME, {"site": SITE, "id": goal_id, "name": "E2E renamed elsewhere"})
    assert renamed["updateGoal"]["userErrors"] == []
    page.get_by_label("Name", exact=True).fill("E2E mine")
    page.get_by_role("button", name="Save changes").click()
    conflict = page.locator(".conflict[role=alert]")
    conflict.wait_for()
    assert "changed elsewhere" in conflict.inner_text()
    assert "E2E renamed elsewhere" in conflict.inner_text()
    page.get_by_role("button", name="Reload the goal").click()
    name_now = wait_for(page.get_by_label("Name", exact=True).input_value, "E2E renamed elsewhere")
    assert name_now == "E2E renamed elsewhere"
    assert conflict.count() == 0
    assert goalgate.goal_id("E2E mine") is None

    # delete, after a confirmation
    page.get_by_role("button", name="Delete E2E renamed elsewhere").click()
    dialog = page.get_by_role("dialog", name="Delete “E2E renamed elsewhere”?")
    dialog.wait_for()
    dialog.get_by_role("button", name="Delete").click()
    page.get_by_role("heading", name="Goals").wait_for()
    page.get_by_text("Deleted “E2E renamed elsewhere”.").wait_for()
    assert goalgate.goal_id("E2E renamed elsewhere") is None
    assert page.get_by_role("link", name="E2E renamed elsewhere").count() == 0


def test_a_posted_event_shows_in_the_live_ticker_within_two_seconds(
    tab: Tab, goalgate: Goalgate
) -> None:
    tab.sign_in(goalgate.tokens["demo"])
    page = tab.page
    page.locator("[data-live-status=live]").wait_for()
    before = page.locator("ol.ticker li").count()
    started = time.monotonic()
    goalgate.post_event(
        {
            "site": SITE,
            "type": "goal",
            "name": "purchase",
            "revenue": {"amount": "42.50", "currency": "USD"},
        }
    )
    item = page.locator("ol.ticker li").first
    item.filter(has_text="Purchase").wait_for(timeout=2000)
    assert time.monotonic() - started < 2.0
    assert page.locator("ol.ticker li").count() == before + 1
    assert item.locator(".value").inner_text() == "purchase"
    assert item.locator(".money").inner_text() == "$42.50"
    tab.shot("desktop-live")


def test_goals_whose_stats_goalgate_refuses_keep_their_rows_with_the_reason(
    tab: Tab, goalgate: Goalgate
) -> None:
    """A partial answer: compared with the period before, 1970's first days would
    start before 1970-01-01, so goalgate nulls each goal's stats with a
    BAD_USER_INPUT error at that goal's path, and answers the rest."""
    start, end = "1970-01-01", "1970-01-10"
    response = httpx.post(
        f"{goalgate.base_url}/graphql",
        json={
            "query": GOALS_QUERY,
            "variables": {"site": SITE, "period": "CUSTOM", "from": start, "to": end},
        },
        headers={"Authorization": f"Bearer {goalgate.tokens['demo']}"},
        timeout=30,
    ).json()
    nodes = response["data"]["site"]["goals"]["nodes"]
    assert nodes
    assert all(node["stats"] is None for node in nodes)
    reasons = {
        nodes[error["path"][3]]["id"]: error["message"]
        for error in response["errors"]
        if error["path"][:3] == ["site", "goals", "nodes"] and error["path"][4:] == ["stats"]
    }
    assert set(reasons) == {node["id"] for node in nodes}

    tab.sign_in(goalgate.tokens["demo"])
    page = tab.page
    assert_table_shows(page, goalgate.goals())
    page.get_by_label("Period", exact=True).select_option("CUSTOM")
    page.get_by_label("From", exact=True).fill(start)
    page.get_by_label("To", exact=True).fill(end)
    page.get_by_role("button", name="Apply").click()
    page.locator(".period-echo", has_text=f"{start} to {end}").wait_for()

    def shown() -> dict[str, list[str]]:
        return page.evaluate(
            """() => Object.fromEntries(
              [...document.querySelectorAll('table.goals tbody tr[data-stats=unavailable]')]
              .map((row) => [row.dataset.goalId, [
                row.querySelector('th a').textContent,
                row.querySelector('.unavailable-mark').textContent,
                row.querySelector('.unavailable-reason').textContent,
              ]]))"""
        )

    expected = {
        node["id"]: [node["name"], "Stats unavailable", reasons[node["id"]]] for node in nodes
    }
    assert wait_for(shown, expected) == expected
    note = page.locator("[data-note=stats-unavailable]").inner_text()
    assert f"all {len(nodes)} goals" in note
    assert page.locator(".goals-section .error-box").count() == 0
    # the site's overview cannot be compared either: goalgate's message in its place
    overview = page.locator("[data-error=overview]")
    overview.wait_for()
    assert reasons[nodes[0]["id"]] in overview.inner_text()
    tab.shot("desktop-goals-stats-unavailable")

    # a goal's own page, over the same period, says the same and keeps its
    # definition and controls (opened by its address, with the period in it)
    name = nodes[0]["name"]
    page.evaluate(
        "hash => { location.hash = hash; }",
        f"#/goals/{nodes[0]['id']}?site={SITE}&period=custom&from={start}&to={end}",
    )
    page.get_by_role("heading", name=name, level=1).wait_for()
    box = page.locator("[data-stats=unavailable]")
    box.wait_for()
    assert box.locator(".unavailable-reason").inner_text() == reasons[nodes[0]["id"]]
    assert page.locator("figure.chart").count() == 0
    assert page.get_by_role("link", name=f"Edit {name}").count() == 1
    page.get_by_role("heading", name=re.compile("^Top matching")).wait_for()


def test_a_read_only_token_sees_no_edit_controls(tab: Tab, goalgate: Goalgate) -> None:
    tab.sign_in(goalgate.tokens["reader"])
    page = tab.page
    assert_table_shows(page, goalgate.goals())
    assert scopes_shown(page) == ["analytics:read"]
    page.get_by_text("Read-only token").wait_for()
    assert page.get_by_role("link", name="New goal").count() == 0
    assert page.get_by_role("button", name=re.compile("^Delete ")).count() == 0
    assert page.get_by_role("link", name=re.compile("^Edit ")).count() == 0
    page.get_by_role("link", name="Signup", exact=True).click()
    page.get_by_role("heading", name="Signup", level=1).wait_for()
    page.locator("figure.chart").wait_for()
    assert page.get_by_role("button", name="Delete Signup").count() == 0
    assert page.get_by_role("link", name="Edit Signup").count() == 0
    page.locator("[data-live-status=live]").wait_for()


def test_a_write_only_token_gets_the_editor_without_stats(tab: Tab, goalgate: Goalgate) -> None:
    tab.sign_in(goalgate.tokens["writer"])
    page = tab.page
    page.get_by_role("heading", name="Goal editor").wait_for()
    assert scopes_shown(page) == ["analytics:write"]
    assert page.locator("table.goals").count() == 0
    assert page.get_by_role("heading", name="Live conversions").count() == 0
    page.get_by_label("Site key", exact=True).fill(SITE)
    page.get_by_role("button", name="Use").click()
    page.get_by_role("link", name="New goal").click()
    page.get_by_label("Name", exact=True).fill("E2E written blind")
    page.get_by_label("Type", exact=True).select_option("EVENT")
    page.get_by_label("Match value", exact=True).fill("e2e-blind")
    page.get_by_text("Previews need a token with the analytics:read scope").wait_for()
    assert page.locator("[data-preview=conversions]").count() == 0
    tab.shot("desktop-write-only-editor")
    page.get_by_role("button", name="Create goal").click()
    page.get_by_text("Created “E2E written blind”.").wait_for()
    page.get_by_role("heading", name="Goal editor").wait_for()
    assert goalgate.goal_id("E2E written blind") is not None
    page.get_by_role("button", name="Delete E2E written blind").click()
    page.get_by_role("dialog").get_by_role("button", name="Delete").click()
    page.get_by_text("Deleted “E2E written blind”.").wait_for()
    assert goalgate.goal_id("E2E written blind") is None


def test_phone_width_keyboard_and_accessible_names(
    tab_factory: Callable[..., Tab], goalgate: Goalgate
) -> None:
    tab = tab_factory(PHONE)
    page = tab.page
    tab.open()
    tab.shot("phone-signin")
    # keyboard only: the token field is the first stop; Enter signs in
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "token"
    page.keyboard.type(goalgate.tokens["demo"])
    page.keyboard.press("Enter")
    assert_table_shows(page, goalgate.goals())

    def fits() -> bool:
        return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))

    assert fits()
    assert page.evaluate(ACCESSIBLE_NAMES) == []
    for name in ("API token",):
        assert page.get_by_label(name).count() == 0  # signed in: the form is gone
    assert page.get_by_label("Period", exact=True).count() == 1
    tab.shot("phone-goals")

    # the delete dialog by keyboard: focus starts on Cancel, Escape closes it
    page.get_by_role("button", name="Delete Purchase").focus()
    page.keyboard.press("Enter")
    page.get_by_role("dialog").wait_for()
    assert page.evaluate("document.activeElement.textContent") == "Cancel"
    page.keyboard.press("Escape")
    page.get_by_role("dialog").wait_for(state="detached")
    assert goalgate.goal_id("Purchase") is not None

    # a sort heading by keyboard
    page.locator("th button.sort", has_text="Conversions").focus()
    page.keyboard.press("Enter")
    assert page.locator("th[aria-sort=descending]").inner_text().startswith("Conversions")

    page.get_by_role("link", name="Purchase", exact=True).click()
    page.locator("figure.chart svg").wait_for()
    assert fits()
    assert page.evaluate(ACCESSIBLE_NAMES) == []
    # the chart reads a bucket when focused and moved with the arrow keys
    page.locator("figure.chart svg").focus()
    page.keyboard.press("End")
    assert "previous period" in page.locator(".chart-readout").inner_text()
    tab.shot("phone-goal")

    page.get_by_role("link", name="Edit Purchase").click()
    page.get_by_label("Match value", exact=True).wait_for()
    page.locator("[data-preview=conversions]").wait_for()
    assert fits()
    assert page.evaluate(ACCESSIBLE_NAMES) == []
    tab.shot("phone-editor")


def test_sign_out_leaves_the_token_nowhere(tab: Tab, goalgate: Goalgate) -> None:
    token = goalgate.tokens["demo"]
    tab.sign_in(token)
    page = tab.page

    def storage() -> dict[str, Any]:
        return {
            "local": page.evaluate("JSON.stringify({...localStorage})"),
            "session": page.evaluate("JSON.stringify({...sessionStorage})"),
            "cookies": json.dumps(tab.context.cookies()),
        }

    signed_in = storage()
    assert token in signed_in["session"]  # sessionStorage only, while signed in
    assert token not in signed_in["local"]
    assert token not in signed_in["cookies"]
    page.reload()
    page.get_by_role("button", name="Sign out").wait_for()  # the tab remembers it

    page.get_by_role("button", name="Sign out").click()
    page.get_by_label("API token", exact=True).wait_for()
    after = storage()
    assert all(token not in value for value in after.values()), after
    assert after["session"] == "{}"
    assert after["local"] == "{}"
    assert tab.context.cookies() == []
    page.reload()
    page.get_by_label("API token", exact=True).wait_for()


def test_a_revoked_token_is_signed_out(tab: Tab, goalgate: Goalgate) -> None:
    made = "tokens create --site sk_demo --name revokable --scope analytics:read"
    secret = cli(goalgate.database_url, goalgate.cwd, *made.split()).strip()
    tab.sign_in(secret)
    page = tab.page
    page.locator("[data-live-status=live]").wait_for()
    listing = cli(goalgate.database_url, goalgate.cwd, "tokens", "list")
    found = re.search(r"(\d+)\s*│\s*revokable", listing)
    assert found is not None, listing
    cli(goalgate.database_url, goalgate.cwd, "tokens", "revoke", found.group(1))
    # the live subscription re-checks its token and ends: back to the sign-in form
    page.get_by_text("goalgate no longer accepts this token").wait_for(timeout=5000)
    page.get_by_label("API token", exact=True).wait_for()
    assert page.evaluate("sessionStorage.length") == 0


def test_the_live_ticker_reconnects_after_a_network_drop(tab: Tab, goalgate: Goalgate) -> None:
    """Last in the module: it kills the server and starts another on the same port."""
    tab.sign_in(goalgate.tokens["demo"])
    page = tab.page
    page.locator("[data-live-status=live]").wait_for()
    before = len(tab.errors)
    goalgate.crash()
    page.locator("[data-live-status=reconnecting]").wait_for(timeout=10_000)
    goalgate.start_again()
    page.locator("[data-live-status=live]").wait_for(timeout=20_000)
    # While the server was away the browser logged the dropped connection and
    # each refused reconnection attempt, and nothing else; from here on, no
    # error at all.
    outage = tab.errors[before:]
    refused = re.compile(
        r"WebSocket connection to .* failed|net::ERR_(CONNECTION_REFUSED|CONNECTION_RESET"
        r"|CONNECTION_CLOSED|EMPTY_RESPONSE)"
    )
    assert all(refused.search(error) for error in outage), outage
    del tab.errors[before:]
    started = time.monotonic()
    goalgate.post_event({"site": SITE, "type": "event", "name": "signup"})
    page.locator("ol.ticker li").first.filter(has_text="Signup").wait_for(timeout=2000)
    assert time.monotonic() - started < 2.0

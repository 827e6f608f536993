"""The dashboard's site overview and funnel in a real browser (issue 22, part 5).

The same set-up as test_dashboard.py (tests/e2e/conftest.py): one ``goalgate
serve`` on the demo data, Debian's Chromium. The overview is the first screen:
its six headline numbers with their change, the chart's buckets, the five top
lists with their bars, and the goals table under them are compared with what the
GraphQL API answers for the same question, asked by the test itself; a source
picked in its list filters all of it. A three-step funnel is built by hand and
its steps compared with ``Site.funnel``. At 390 px nothing is wider than the
screen and the lists' figures are all in view. Screenshots go to
test-artifacts/dashboard/.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from datetime import date
from typing import Any

import httpx
import pytest

from tests.helpers.dashboard import (
    ACCESSIBLE_NAMES,
    PHONE,
    SITE,
    Goalgate,
    Tab,
    assert_table_shows,
    count,
    near,
    percent,
    wait_for,
)

pytestmark = pytest.mark.e2e

TOP_LISTS = {
    "sources": "SOURCE",
    "pages": "PAGE",
    "entryPages": "ENTRY_PAGE",
    "countries": "COUNTRY",
    "devices": "DEVICE",
}
FIGURES = "from to visitors visits pageviews viewsPerVisit bounceRate visitDuration"
LISTS = "\n    ".join(
    f"{key}: breakdown(by: {dimension}, period: $period, first: 10, filter: $filter)"
    " { nodes { value visitors visits } }"
    for key, dimension in TOP_LISTS.items()
)
OVERVIEW_QUERY = f"""
query($site: String!, $period: StatsPeriod!, $filter: [StatsFilter!]) {{
  site(key: $site) {{
    stats(period: $period, compare: PREVIOUS_PERIOD, filter: $filter) {{
      {FIGURES} timeseries(interval: DAY) {{ date visitors visits }}
      previous {{ {FIGURES} timeseries(interval: DAY) {{ date visitors visits }} }} }}
    {LISTS}
  }}
}}
"""
FUNNEL_QUERY = """
query($site: String!, $steps: [ID!]!, $filter: [StatsFilter!]) {
  site(key: $site) {
    funnel(steps: $steps, period: LAST_30_DAYS, filter: $filter) {
      steps { goal { id name } visitors conversionRate dropOff } } }
}
"""
ALL_GOALS = """
query($site: String!) { site(key: $site) { goals(first: 100) { nodes { id name } } } }
"""


def overview(
    goalgate: Goalgate, period: str = "LAST_30_DAYS", filter: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    site: dict[str, Any] = goalgate.gql(
        OVERVIEW_QUERY, {"site": SITE, "period": period, "filter": filter}
    )["site"]
    return site


def day(iso: str) -> str:
    value = date.fromisoformat(iso)
    return f"{value.strftime('%b')} {value.day}, {value.year}"


def duration(seconds: float) -> str:
    """As the page writes a visit's length (lib/overview.ts, rounding halves up)."""
    whole = max(0, math.floor(seconds + 0.5))
    if whole < 60:
        return f"{whole}s"
    hours, minutes, rest = whole // 3600, whole % 3600 // 60, whole % 60
    return f"{hours}h {minutes:02d}m" if hours else f"{minutes}m {rest:02d}s"


def change(current: float, previous: float | None) -> float | None:
    return None if not previous else (current - previous) / previous


def bar(value: int, largest: int) -> str:
    """The bar's width attribute (lib/overview.ts's barPercent)."""
    if largest <= 0 or value <= 0:
        return "0%"
    share = min(100.0, math.floor(value / largest * 1000 + 0.5) / 10)
    return f"{share:g}%"


def shown_figures(page: Any) -> dict[str, dict[str, str]]:
    figures: dict[str, dict[str, str]] = page.evaluate(
        """() => Object.fromEntries([...document.querySelectorAll('.site-cards [data-figure]')]
          .map((dd) => [dd.dataset.figure, {
            figure: dd.textContent,
            change: dd.nextElementSibling.querySelector('.change-figure').textContent,
            previous: dd.nextElementSibling.querySelector('[data-previous]')?.textContent ?? '',
          }]))"""
    )
    return figures


def assert_figures(page: Any, stats: dict[str, Any]) -> None:
    """The six headline numbers, their previous values and their change."""
    previous = stats["previous"]
    exact = {
        key: {"figure": count(stats[key]), "previous": f" vs {count(previous[key])}"}
        for key in ("visitors", "visits", "pageviews")
    }
    exact["visitDuration"] = {
        "figure": duration(stats["visitDuration"]),
        "previous": f" vs {duration(previous['visitDuration'])}",
    }

    def read_exact() -> dict[str, dict[str, str]]:
        shown = shown_figures(page)
        return {
            key: {"figure": shown[key]["figure"], "previous": shown[key]["previous"]}
            for key in exact
            if key in shown
        }

    assert wait_for(read_exact, exact) == exact
    shown = shown_figures(page)
    assert abs(float(shown["viewsPerVisit"]["figure"]) - stats["viewsPerVisit"]) <= 0.005 + 1e-9
    assert near(percent(shown["bounceRate"]["figure"]), stats["bounceRate"], 2)
    assert near(percent(shown["bounceRate"]["previous"][4:]), previous["bounceRate"], 2)
    for key in ("visitors", "visits", "pageviews", "viewsPerVisit", "bounceRate", "visitDuration"):
        expected = change(stats[key], previous[key])
        assert near(percent(shown[key]["change"]), expected, 1), (key, shown[key], expected)


def shown_lists(page: Any) -> dict[str, list[list[str]]]:
    lists: dict[str, list[list[str]]] = page.evaluate(
        """() => Object.fromEntries([...document.querySelectorAll('[data-top]')]
          .map((panel) => [panel.dataset.top, [...panel.querySelectorAll('tbody tr')]
            .map((tr) => [
              tr.dataset.value,
              tr.querySelector('[data-column=visitors]').textContent,
              tr.querySelector('[data-column=visits]').textContent,
              tr.querySelector('svg.bar rect').getAttribute('width'),
            ])]))"""
    )
    return lists


def expected_lists(site: dict[str, Any]) -> dict[str, list[list[str]]]:
    out: dict[str, list[list[str]]] = {}
    for key, dimension in TOP_LISTS.items():
        nodes = site[key]["nodes"]
        largest = max((n["visitors"] for n in nodes), default=0)
        out[dimension] = [
            [n["value"], count(n["visitors"]), count(n["visits"]), bar(n["visitors"], largest)]
            for n in nodes
        ]
    return out


def assert_overview(page: Any, site: dict[str, Any]) -> None:
    assert_figures(page, site["stats"])
    expected = expected_lists(site)
    assert wait_for(lambda: shown_lists(page), expected) == expected
    # the chart: both periods drawn; its last bucket read with the keyboard
    chart = page.locator("figure.chart svg")
    assert chart.locator("path.line-current").count() == 1
    assert chart.locator("path.line-previous").count() == 1
    assert "Visitors per day" in (chart.get_attribute("aria-label") or "")
    chart.focus()
    page.keyboard.press("End")
    last = site["stats"]["timeseries"][-1]
    before = site["stats"]["previous"]["timeseries"][len(site["stats"]["timeseries"]) - 1]
    readout = page.locator(".chart-readout").inner_text()
    assert readout == (
        f"{day(last['date'])}: {count(last['visitors'])}"
        f" · previous period ({day(before['date'])}): {count(before['visitors'])}"
    )
    page.keyboard.press("Escape")


def open_overview(tab: Tab) -> Any:
    tab.sign_in(tab.goalgate.tokens["demo"])
    page = tab.page
    page.get_by_role("heading", name=re.compile("^Overview"), level=1).wait_for()
    page.locator(".site-cards").wait_for()
    return page


# --------------------------------------------------------------------------
# the tests


def test_the_overview_is_the_first_screen_with_the_numbers_the_api_gives(
    tab: Tab, goalgate: Goalgate
) -> None:
    page = open_overview(tab)
    assert page.get_by_role("link", name="Overview").get_attribute("aria-current") == "page"
    site = overview(goalgate)
    assert_overview(page, site)
    echo = page.locator(".period-echo").inner_text()
    stats = site["stats"]
    assert echo.startswith(f"Last 30 days: {day(stats['from'])} \N{EN DASH} {day(stats['to'])}")
    assert f"compared with {day(stats['previous']['from'])}" in echo
    # a higher bounce rate is worse: its rise is red, its fall green
    rise = stats["bounceRate"] - stats["previous"]["bounceRate"]
    tone = "change-down" if rise > 0 else "change-up" if rise < 0 else "change-flat"
    bounce = page.locator("[data-figure=bounceRate] + dd .change")
    assert tone in (bounce.get_attribute("class") or "").split()
    # the goals table under it
    assert_table_shows(page, goalgate.goals())
    for title in ("Top sources", "Top pages", "Entry pages", "Countries", "Devices", "Goals"):
        assert page.get_by_role("heading", name=title, exact=True, level=2).count() == 1
    tab.shot("desktop-overview")

    # the visits instead of the visitors, by week
    page.get_by_label("Show", exact=True).select_option("visits")
    page.get_by_role("heading", name="Visits per day").wait_for()
    page.get_by_label("Buckets", exact=True).select_option("WEEK")
    page.get_by_role("heading", name="Visits per week").wait_for()
    assert "interval=WEEK" in page.url

    # another period: every number follows
    page.get_by_label("Period", exact=True).select_option("LAST_7_DAYS")
    page.locator(".period-echo", has_text="Last 7 days").wait_for()
    assert_figures(page, overview(goalgate, "LAST_7_DAYS")["stats"])
    expected = expected_lists(overview(goalgate, "LAST_7_DAYS"))
    assert wait_for(lambda: shown_lists(page), expected) == expected
    assert_table_shows(page, goalgate.goals("LAST_7_DAYS"))


def test_a_source_picked_in_its_list_filters_the_whole_overview(
    tab: Tab, goalgate: Goalgate
) -> None:
    page = open_overview(tab)
    whole = overview(goalgate)
    assert_overview(page, whole)
    source = next(n for n in whole["sources"]["nodes"] if n["value"] != "(none)")
    value = source["value"]
    panel = page.get_by_role("region", name="Top sources")
    button = panel.get_by_role("button", name=value, exact=True)
    assert button.get_attribute("aria-pressed") == "false"
    assert button.get_attribute("title") == value
    button.click()

    chip = page.locator(".chip")
    chip.wait_for()
    assert chip.locator(".chip-text").inner_text() == f"Source is {value}"
    assert f"filter=source%3Ais%3A{value}" in page.url
    clause = [{"dimension": "SOURCE", "operator": "IS", "values": [value]}]
    filtered = overview(goalgate, filter=clause)
    assert filtered["stats"]["visitors"] == source["visitors"]
    assert filtered["stats"]["visitors"] < whole["stats"]["visitors"]
    assert [n["value"] for n in filtered["sources"]["nodes"]] == [value]
    assert_overview(page, filtered)
    assert panel.get_by_role("button", name=value).get_attribute("aria-pressed") == "true"
    goals = goalgate.goals(filter=clause)
    assert goals != goalgate.goals()
    assert_table_shows(page, goals)
    tab.shot("desktop-overview-filtered")

    # the filter follows to the funnel and back, and Back takes it off
    funnel_link = page.get_by_role("navigation", name="Views").get_by_role("link", name="Funnel")
    assert f"filter=source%3Ais%3A{value}" in (funnel_link.get_attribute("href") or "")
    page.go_back()
    chip.wait_for(state="detached")
    assert_figures(page, whole["stats"])

    # a country too: both clauses, each removable
    country = next(n for n in whole["countries"]["nodes"] if n["value"] != "(unknown)")
    page.locator(f"[data-top=SOURCE] tr[data-value='{value}'] button").click()
    page.locator(f"[data-top=COUNTRY] tr[data-value='{country['value']}'] button").click()
    assert wait_for(lambda: chip.count(), 2) == 2
    both = [*clause, {"dimension": "COUNTRY", "operator": "IS", "values": [country["value"]]}]
    assert_figures(page, overview(goalgate, filter=both)["stats"])
    page.get_by_role("button", name=f"Remove the filter Source is {value}").click()
    assert wait_for(lambda: chip.count(), 1) == 1
    country_only = both[1:]
    assert_figures(page, overview(goalgate, filter=country_only)["stats"])
    assert_table_shows(page, goalgate.goals(filter=country_only))
    assert page.evaluate("document.activeElement.id") == "page-title"


def goal_ids(goalgate: Goalgate) -> dict[str, str]:
    nodes = goalgate.gql(ALL_GOALS, {"site": SITE})["site"]["goals"]["nodes"]
    return {node["name"]: node["id"] for node in nodes}


def funnel_rows(page: Any) -> list[list[str]]:
    rows: list[list[str]] = page.evaluate(
        """() => [...document.querySelectorAll('table.funnel-table tbody tr')].map((tr) => [
          tr.querySelector('.top-value').textContent,
          tr.querySelector('[data-column=visitors]').textContent,
          tr.querySelector('[data-column=dropOff]').textContent,
          tr.querySelector('svg.bar rect').getAttribute('width'),
        ])"""
    )
    return rows


def assert_funnel(page: Any, steps: list[dict[str, Any]]) -> None:
    first = steps[0]["visitors"]
    expected = [
        [
            f"{i + 1}. {step['goal']['name']}",
            count(step["visitors"]),
            "—" if i == 0 else count(step["dropOff"]),
            bar(step["visitors"], first),
        ]
        for i, step in enumerate(steps)
    ]
    assert wait_for(lambda: funnel_rows(page), expected) == expected
    rates = page.locator("table.funnel-table [data-column=conversionRate]").all_inner_texts()
    for shown, step in zip(rates, steps, strict=True):
        assert near(percent(shown), step["conversionRate"], 2), (shown, step)


def test_a_three_step_funnel_built_by_hand_shows_the_api_s_steps(
    tab: Tab, goalgate: Goalgate
) -> None:
    ids = goal_ids(goalgate)
    page = open_overview(tab)
    page.get_by_role("navigation", name="Views").get_by_role("link", name="Funnel").click()
    page.get_by_role("heading", name="Funnel", level=1).wait_for()
    picker = page.get_by_label("Goal to add", exact=True)
    picker.wait_for()
    add = page.get_by_role("button", name="Add step")
    show = page.get_by_role("button", name="Show the funnel")

    # fewer than two steps: said, not sent
    show.click()
    assert page.get_by_role("alert").inner_text() == (
        "A funnel needs at least 2 steps: add two goals."
    )
    picker.select_option(label="Purchase")
    add.click()
    show.click()
    assert page.get_by_role("alert").inner_text() == (
        "A funnel needs at least 2 steps: add one more goal."
    )
    assert page.locator("table.funnel-table").count() == 0

    # three steps, the last put in place with Move up, one removed and added again
    for name in ("Blog Post Read", "Thank You Page", "Contact Form"):
        picker.select_option(label=name)
        add.click()
    page.get_by_role("button", name="Move Blog Post Read up").click()
    page.get_by_role("button", name="Remove Contact Form").click()
    steps = page.get_by_role("list", name="Steps of the funnel").locator(".step-name")
    assert steps.all_inner_texts() == ["Blog Post Read", "Purchase", "Thank You Page"]
    assert page.get_by_role("button", name="Move Blog Post Read up").is_disabled()
    assert page.get_by_role("button", name="Move Thank You Page down").is_disabled()
    show.click()

    order = [ids["Blog Post Read"], ids["Purchase"], ids["Thank You Page"]]
    answer = goalgate.gql(FUNNEL_QUERY, {"site": SITE, "steps": order})["site"]["funnel"]
    names = [s["goal"]["name"] for s in answer["steps"]]
    assert names == ["Blog Post Read", "Purchase", "Thank You Page"]
    # the demo data has visitors at every step, fewer at each
    visitors = [s["visitors"] for s in answer["steps"]]
    assert visitors[0] > visitors[1] > 0
    assert_funnel(page, answer["steps"])
    assert f"steps={'%2C'.join(order)}" in page.url
    last = answer["steps"][-1]
    summary = page.locator("[data-summary]").inner_text()
    assert f"of the {count(answer['steps'][0]['visitors'])} visitors" in summary
    assert near(percent(summary.split(" ", 1)[0]), last["conversionRate"], 2)
    assert page.evaluate(ACCESSIBLE_NAMES) == []
    tab.shot("desktop-funnel")

    # the address carries it: a reload shows the same funnel
    page.reload()
    assert_funnel(page, answer["steps"])

    # under a filter: the device with the most visitors
    device = overview(goalgate)["devices"]["nodes"][0]["value"]
    page.evaluate(
        "hash => { location.hash = hash; }",
        f"#/funnel?site={SITE}&period=30d&steps={','.join(order)}&filter=device:is:{device}",
    )
    page.locator(".chip", has_text=f"Device is {device}").wait_for()
    clause = [{"dimension": "DEVICE", "operator": "IS", "values": [device]}]
    under = goalgate.gql(FUNNEL_QUERY, {"site": SITE, "steps": order, "filter": clause})
    assert_funnel(page, under["site"]["funnel"]["steps"])

    # goalgate's refusal is shown, in its words: a goal that is not the site's
    page.evaluate(
        "hash => { location.hash = hash; }",
        f"#/funnel?site={SITE}&period=30d&steps={order[0]},999999",
    )
    error = page.locator("[data-error=funnel]")
    error.wait_for()
    refused = goalgate_error(goalgate, [order[0], "999999"])
    assert refused in error.inner_text()
    assert error.get_attribute("role") == "alert"

    # nine steps in an edited address: not sent, and said why
    nine = ",".join([*order, *(str(n) for n in range(900001, 900007))])
    page.evaluate(
        "hash => { location.hash = hash; }", f"#/funnel?site={SITE}&period=30d&steps={nine}"
    )
    page.locator(".funnel-steps li").nth(8).wait_for()
    assert page.locator("[data-error=funnel], table.funnel-table").count() == 0
    show.click()
    assert page.get_by_role("alert").inner_text() == "A funnel has at most 8 steps: remove 1."


def goalgate_error(goalgate: Goalgate, steps: list[str]) -> str:
    body = httpx.post(
        f"{goalgate.base_url}/graphql",
        json={"query": FUNNEL_QUERY, "variables": {"site": SITE, "steps": steps}},
        headers={"Authorization": f"Bearer {goalgate.tokens['demo']}"},
        timeout=30,
    ).json()
    assert body["data"] is None or body["data"]["site"] is None, body
    message: str = body["errors"][0]["message"]
    return message


OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  return [...document.querySelectorAll('main *')]
    .filter((el) => !el.closest('.table-scroll, .visually-hidden'))
    .filter((el) => {
      const box = el.getBoundingClientRect();
      return box.width > 0 && (box.right > width + 0.5 || box.left < -0.5);
    })
    .map((el) => el.outerHTML.slice(0, 100));
}"""
CLIPPED_FIGURES = """() => [...document.querySelectorAll(
    ['td.num', 'th.num'].flatMap((cell) => [
      `table.top-table ${cell}`, `table.breakdown-table ${cell}`]).join(', '))]
  .filter((cell) => cell.scrollWidth > cell.clientWidth + 1
    || cell.getBoundingClientRect().right > document.documentElement.clientWidth)
  .map((cell) => cell.outerHTML.slice(0, 100))"""
BROKEN_WORDS = """() => [...document.querySelectorAll(
    'table.top-table *, table.breakdown-table *')]
  .filter((el) => ['break-all', 'break-word'].includes(getComputedStyle(el).wordBreak)
    || getComputedStyle(el).overflowWrap === 'anywhere')
  .map((el) => el.outerHTML.slice(0, 100))"""
ELLIPSIS = """() => [...document.querySelectorAll(
    'table.top-table .top-value, table.breakdown-table .value-filter')]
  .filter((el) => el.scrollWidth > el.clientWidth)
  .map((el) => [el.textContent, el.title, getComputedStyle(el).textOverflow,
    getComputedStyle(el).whiteSpace])"""


def test_at_390_px_the_lists_and_the_funnel_fit_the_screen(
    tab_factory: Callable[..., Tab], goalgate: Goalgate
) -> None:
    tab = tab_factory(PHONE)
    page = open_overview(tab)
    site = overview(goalgate)
    assert_overview(page, site)
    assert_table_shows(page, goalgate.goals())

    def check() -> None:
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        assert page.evaluate(OVERFLOW) == []
        assert page.evaluate(CLIPPED_FIGURES) == []
        assert page.evaluate(BROKEN_WORDS) == []
        assert page.evaluate(ACCESSIBLE_NAMES) == []
        # a value too long for its cell is cut with an ellipsis, whole in its title
        for text, title, overflow, white_space in page.evaluate(ELLIPSIS):
            assert overflow == "ellipsis", text
            assert white_space == "nowrap", text
            assert title in text or text in title, (text, title)

    check()
    tab.shot("phone-overview")

    ids = goal_ids(goalgate)
    order = [ids["Blog Post Read"], ids["Purchase"], ids["Thank You Page"]]
    page.evaluate(
        "hash => { location.hash = hash; }",
        f"#/funnel?site={SITE}&period=30d&steps={','.join(order)}",
    )
    page.locator("table.funnel-table tbody tr").nth(2).wait_for()
    check()
    cells = page.locator("table.funnel-table td.num")
    for i in range(cells.count()):
        box = cells.nth(i).bounding_box()
        assert box is not None
        assert box["x"] + box["width"] <= PHONE["width"]
    tab.shot("phone-funnel")

    # a goal's breakdown, with revenue: its four figures in view, no sideways scroll
    page.evaluate(
        "hash => { location.hash = hash; }",
        f"#/goals/{ids['Purchase']}?site={SITE}&period=30d",
    )
    page.locator("table.breakdown-table tbody tr").first.wait_for()
    check()
    scroller = page.locator(".breakdown .table-scroll")
    assert scroller.evaluate("el => el.scrollWidth <= el.clientWidth")
    panel = page.get_by_role("region", name="Where conversions come from")
    # short on screen, whole for a screen reader (the short words are aria-hidden)
    short = page.locator("table.breakdown-table thead .heading-short").all_inner_texts()
    assert short == ["Conv.", "Unique", "Rate"]
    for name in ("Source", "Conversions", "Unique conversions", "Conversion rate", "Revenue"):
        assert panel.get_by_role("columnheader", name=name, exact=True).count() == 1, name
    tab.shot("phone-goal-breakdown")

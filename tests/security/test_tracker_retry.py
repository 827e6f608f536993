"""ka.js keeps events whose request failed and sends them again: each arrives exactly once.

Headless Chromium against the ka.js tests' capture server (``tests/helpers/ka.py``),
told to refuse its first requests (503, 429, or a connection closed without an
answer) and then to accept. Within a page the script retries with backoff
(1 s, 2 s, 4 s...); across pages the events wait in sessionStorage and go with
the next page's load batch. An event acknowledged with 202 is never sent again.

The pages run on Playwright's fake clock, paused: the test moves the page's
time itself, to a millisecond before and at each retry. That checks the
backoff exactly, where waiting it out in real time took 11 s and could only
check a range.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from tests.helpers.ka import INSTRUMENT, SITE, Capture, html, open_page, pv
from tests.helpers.time import wait_until

pytestmark = pytest.mark.e2e


# Where the pages' fake clock starts (any instant would do).
PAUSED_AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
# Real time for a request the page was not supposed to make to show up.
QUIET_S = 0.3


@pytest.fixture
def page(browser):
    context = browser.new_context()
    context.add_init_script(INSTRUMENT)
    tab = context.new_page()
    tab.clock.install(time=PAUSED_AT)
    # The installed clock runs until paused, and only ever forward.
    tab.clock.pause_at(PAUSED_AT + timedelta(seconds=1))
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    yield tab
    context.close()
    assert errors == []


def attempts(capture: Capture) -> int:
    return len(capture.refused) + len(capture.requests)


def kept(page) -> int:
    """How many events wait in the page's sessionStorage for a retry."""
    count: int = page.evaluate("JSON.parse(sessionStorage.getItem('ka_q') || '[]').length")
    return count


def test_refused_and_lost_requests_are_retried_with_backoff_until_accepted(
    page,
    capture: Capture,
) -> None:
    capture.refusals = [503, 429, "drop"]
    open_page(page, capture, "/retry", html())
    wait_until(lambda: attempts(capture) == 1, what="the refused load pageview")
    # Backoff: 1, 2 and 4 s of the page's time between the four attempts.
    for backoff_ms, attempt in ((1_000, 2), (2_000, 3), (4_000, 4)):
        # The capture server records a refusal before the page has handled it;
        # the page keeps the event, then sets the retry timer.
        wait_until(lambda: kept(page) == 1, what="the refused event kept")
        page.clock.run_for(backoff_ms - 1)
        time.sleep(QUIET_S)
        assert attempts(capture) == attempt - 1, f"retried before {backoff_ms} ms"
        page.clock.run_for(1)
        wait_until(lambda: attempts(capture) == attempt, what=f"attempt {attempt}")  # noqa: B023
    assert [r["answer"] for r in capture.refused] == [503, 429, "drop"]
    assert [r["body"] for r in capture.refused] == [[pv(capture, "/retry")]] * 3
    page.clock.run_for(120_000)  # past any retry the script could still make
    time.sleep(QUIET_S)
    assert capture.events() == [pv(capture, "/retry")]
    assert len(capture.requests) == 1
    assert page.evaluate("sessionStorage.getItem('ka_q')") == "[]"


def test_events_refused_on_one_page_arrive_once_with_the_next_pages_load(
    page,
    capture: Capture,
) -> None:
    capture.refusals = [503, 503]
    open_page(page, capture, "/cart", html(body='<a id="next" href="/thanks">next</a>'))
    wait_until(lambda: len(capture.refused) == 1, what="the refused load pageview")
    page.evaluate("ka.goal('purchase', {revenue: {amount: '19.99', currency: 'USD'}})")
    wait_until(lambda: len(capture.refused) == 2, what="the refused goal")
    # The capture server records a refusal before the page has handled it.
    wait_until(lambda: kept(page) == 2, what="both refused events kept in sessionStorage")
    # Leave before the retry (the page's time stands): the events wait in sessionStorage.
    capture.pages["/thanks"] = html()
    page.click("#next")
    page.wait_for_url(capture.origin + "/thanks")
    wait_until(lambda: capture.requests, what="the next page's load batch")
    page.clock.run_for(120_000)  # past every retry the new page could make: nothing more comes
    time.sleep(QUIET_S)
    purchase = {
        "site": SITE,
        "type": "goal",
        "name": "purchase",
        "revenue": {"amount": "19.99", "currency": "USD"},
        "url": capture.origin + "/cart",  # the page it fired on, not the one that sent it
    }
    thanks = pv(capture, "/thanks", referrer=capture.origin + "/cart")  # the link's page
    assert [r["body"] for r in capture.requests] == [[pv(capture, "/cart"), purchase, thanks]]
    assert page.evaluate("sessionStorage.getItem('ka_q')") == "[]"

"""ka.js keeps events whose request failed and sends them again: each arrives exactly once.

Headless Chromium against the ka.js tests' capture server (``tests/helpers/ka.py``),
told to refuse its first requests (503, 429, or a connection closed without an
answer) and then to accept. Within a page the script retries with backoff
(1 s, 2 s, 4 s...); across pages the events wait in sessionStorage and go with
the next page's load batch. An event acknowledged with 202 is never sent again.
"""

from __future__ import annotations

import time

import pytest

from tests.helpers.ka import INSTRUMENT, SITE, Capture, html, open_page, pv
from tests.helpers.time import wait_until

pytestmark = pytest.mark.e2e


@pytest.fixture
def page(browser):
    context = browser.new_context()
    context.add_init_script(INSTRUMENT)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    yield tab
    context.close()
    assert errors == []


def test_refused_and_lost_requests_are_retried_with_backoff_until_accepted(
    page,
    capture: Capture,
) -> None:
    capture.refusals = [503, 429, "drop"]
    started = time.monotonic()
    open_page(page, capture, "/retry", html())
    wait_until(lambda: capture.requests, timeout=20, what="the accepted retry")
    took = time.monotonic() - started
    assert [r["answer"] for r in capture.refused] == [503, 429, "drop"]
    assert [r["body"] for r in capture.refused] == [[pv(capture, "/retry")]] * 3
    # Backoff: 1 + 2 + 4 s between the four attempts.
    assert 7.0 <= took < 15.0
    time.sleep(1.5)  # nothing more comes
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
    wait_until(
        lambda: page.evaluate("JSON.parse(sessionStorage.getItem('ka_q') || '[]').length") == 2,
        what="both refused events kept in sessionStorage",
    )
    # Leave before the retry (1 s): the events wait in sessionStorage.
    capture.pages["/thanks"] = html()
    page.click("#next")
    page.wait_for_url(capture.origin + "/thanks")
    wait_until(lambda: capture.requests, what="the next page's load batch")
    time.sleep(2.5)  # past every retry page one could have made: nothing more comes
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

"""Real-browser tests of the ka.js tracker script.

Each test starts a tiny stdlib HTTP "capture server" on 127.0.0.1 (port 0) that
serves a test page plus ka.js straight from disk and records what the script
POSTs to /api/v1/analytics/events (answering 202 with CORS headers, preflight
included). Headless Chromium loads the page and we assert the exact events.

No fixed sleeps: we poll the recorded list with a deadline. For "nothing is
sent" cases an init script records every fetch/sendBeacon call to the events
route, so the absence of requests is checked deterministically in the page
(ka.js calls fetch synchronously) as well as on the server.
"""

from __future__ import annotations

import json

import pytest

from tests.helpers.ka import (
    EVENTS_PATH,
    INSTRUMENT,
    SITE,
    STUB,
    Capture,
    ev,
    html,
    open_page,
    pv,
    settle,
    unordered,
)
from tests.helpers.time import wait_until

pytestmark = pytest.mark.e2e


@pytest.fixture
def capture2():
    server = Capture()
    yield server
    server.close()


@pytest.fixture
def context(browser):
    ctx = browser.new_context()
    ctx.add_init_script(INSTRUMENT)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context):
    pg = context.new_page()
    pg.errors = []  # uncaught exceptions in the page
    pg.on("pageerror", lambda exc: pg.errors.append(str(exc)))
    yield pg
    assert pg.errors == []


# --------------------------------------------------------------------------
# pageviews


def test_pageview_on_load_with_exact_url_and_transport(page, capture):
    open_page(page, capture, "/shop/thank-you", html(), "?ref=x#section")
    # neither the query (but utm_* tags, see below) nor the hash is sent
    assert settle(page, capture) == [pv(capture, "/shop/thank-you")]
    req = capture.requests[0]
    assert req["headers"]["Content-Type"] == "application/json"
    assert "Cookie" not in req["headers"]
    sent = page.evaluate("window.__kaSent")
    assert [s["via"] for s in sent] == ["fetch"]
    assert sent[0]["url"] == capture.origin + EVENTS_PATH
    assert sent[0]["init"]["keepalive"] is True
    assert sent[0]["init"]["credentials"] == "omit"
    assert sent[0]["init"]["method"] == "POST"


def test_pushstate_new_path_counts_same_path_does_not(page, capture):
    open_page(page, capture, "/app/one", html())
    assert settle(page, capture) == [pv(capture, "/app/one")]

    page.evaluate("history.pushState({}, '', '/app/two')")
    assert settle(page, capture) == [pv(capture, "/app/one"), pv(capture, "/app/two")]

    # same pathname (identical, query-only and hash-only changes): no new pageview
    page.evaluate("history.pushState({}, '', '/app/two')")
    page.evaluate("history.pushState({}, '', '/app/two?tab=2')")
    page.evaluate("history.pushState({}, '', '/app/two#details')")
    assert settle(page, capture) == [pv(capture, "/app/one"), pv(capture, "/app/two")]

    page.evaluate("history.pushState({}, '', '/app/three?step=1#x')")
    assert settle(page, capture) == [
        pv(capture, "/app/one"),
        pv(capture, "/app/two"),
        pv(capture, "/app/three"),
    ]


def test_replacestate_and_popstate(page, capture):
    open_page(page, capture, "/app/a", html())
    page.evaluate("history.replaceState({}, '', '/app/b')")
    page.evaluate("history.replaceState({}, '', '/app/b?x=1')")  # same path: none
    page.evaluate("history.pushState({}, '', '/app/c')")
    expected = [pv(capture, "/app/a"), pv(capture, "/app/b"), pv(capture, "/app/c")]
    assert unordered(settle(page, capture)) == unordered(expected)

    pop = """(go) => new Promise((resolve) => {
        window.addEventListener('popstate', () => resolve(location.href), {once: true});
        if (go === 'back') history.back();
        else if (go === 'forward') history.forward();
        else location.hash = go;
    })"""
    assert page.evaluate(pop, "back") == capture.origin + "/app/b?x=1"
    assert settle(page, capture)[3:] == [pv(capture, "/app/b")]

    page.evaluate(pop, "forward")
    assert settle(page, capture)[3:] == [pv(capture, "/app/b"), pv(capture, "/app/c")]

    # a hash change fires popstate too, but the path is unchanged: no pageview
    assert page.evaluate(pop, "frag") == capture.origin + "/app/c#frag"
    assert settle(page, capture)[3:] == [pv(capture, "/app/b"), pv(capture, "/app/c")]


def test_script_included_twice_sends_one_pageview(page, capture):
    again = f'<script defer data-site="{SITE}" data-include-localhost src="/js/ka.js?v=2"></script>'
    markup = html(head=again)
    open_page(page, capture, "/twice", markup)
    page.evaluate("history.pushState({}, '', '/twice-2')")
    assert unordered(settle(page, capture)) == unordered(
        [pv(capture, "/twice"), pv(capture, "/twice-2")]
    )


# --------------------------------------------------------------------------
# what of the page's address is sent: utm_* tags, and the referrer

UTM_QUERY = (
    "?gclid=abc&utm_source=Newsletter&ref=x&utm_campaign=spring%20sale&token=secret"
    "&utm_medium=email&utm_content=top&UTM_Term=shoes&utm_id=7&xutm_source=no&#frag"
)


def test_url_keeps_the_five_utm_tags_and_nothing_else_of_the_query(page, capture):
    open_page(page, capture, "/landing", html(), UTM_QUERY)
    page.evaluate("ka.goal('signup')")
    tags = (
        "?utm_source=Newsletter&utm_campaign=spring%20sale&utm_medium=email"
        "&utm_content=top&UTM_Term=shoes"
    )  # as written in the address (any case, as the server reads them), in order, encoded
    expected = [pv(capture, "/landing" + tags), ev(capture, "/landing" + tags, "goal", "signup")]
    assert unordered(settle(page, capture)) == unordered(expected)
    for request in capture.requests:
        for secret in ("gclid", "ref=", "token", "secret", "utm_id", "xutm", "frag"):
            assert secret not in request["raw"]

    # SPA navigation: the new page's tags, none left over from the last one
    page.evaluate("history.pushState({}, '', '/next?utm_source=ads&page=2')")
    page.evaluate("ka.track('scrolled')")
    page.evaluate("history.pushState({}, '', '/plain?page=3')")
    page.evaluate("ka.goal('done')")
    # separate requests: they may arrive in any order
    assert unordered(settle(page, capture)[2:]) == unordered(
        [
            pv(capture, "/next?utm_source=ads"),
            ev(capture, "/next?utm_source=ads", "event", "scrolled"),
            pv(capture, "/plain"),
            ev(capture, "/plain", "goal", "done"),
        ]
    )


def test_the_referrer_goes_with_every_event_of_the_page(page, capture, capture2):
    # A link on another origin's page: Chromium's default referrer policy
    # (strict-origin-when-cross-origin) gives the page that origin only.
    capture2.pages["/post"] = (
        f'<!doctype html><a id="go" href="{capture.origin}/landing?utm_source=blog&x=1">go</a>'
    )
    capture.pages["/landing"] = html()
    page.goto(capture2.origin + "/post")
    page.click("#go")
    page.wait_for_url(capture.origin + "/landing?utm_source=blog&x=1")
    referrer = capture2.origin + "/"
    assert page.evaluate("document.referrer") == referrer
    page.evaluate("ka.goal('purchase')")
    page.evaluate("history.pushState({}, '', '/second')")  # document.referrer stays
    # separate requests: they may arrive in any order
    assert unordered(settle(page, capture)) == unordered(
        [
            pv(capture, "/landing?utm_source=blog", referrer=referrer),
            ev(capture, "/landing?utm_source=blog", "goal", "purchase", referrer=referrer),
            pv(capture, "/second", referrer=referrer),
        ]
    )
    assert capture2.requests == []


def test_a_referer_given_to_the_navigation_is_sent_as_is(page, capture):
    capture.pages["/from-search"] = html()
    page.goto(capture.origin + "/from-search", referer="https://www.google.com/search?q=x")
    referrer = page.evaluate("document.referrer")
    assert referrer.startswith("https://www.google.com/")
    assert settle(page, capture) == [pv(capture, "/from-search", referrer=referrer)]


# --------------------------------------------------------------------------
# custom events and goals


def test_stub_queue_replayed_in_order_then_ka_stays_callable(page, capture):
    head = f"""<script>{STUB}
      ka("track", "signup");
      ka("goal", "purchase", {{revenue: {{amount: "49.90", currency: "USD"}}}});
      ka("track", "newsletter");
    </script>"""
    # inline scripts after the deferred tag still run before ka.js executes
    body = '<script>ka("goal", "late-inline"); window.queuedBeforeLoad = ka.q.length;</script>'
    open_page(page, capture, "/landing", html(head=head, body=body))
    queued = [
        pv(capture, "/landing"),
        ev(capture, "/landing", "event", "signup"),
        ev(capture, "/landing", "goal", "purchase", revenue={"amount": "49.90", "currency": "USD"}),
        ev(capture, "/landing", "event", "newsletter"),
        ev(capture, "/landing", "goal", "late-inline"),
    ]
    assert settle(page, capture) == queued
    assert page.evaluate("window.queuedBeforeLoad") == 4
    assert len(capture.requests) == 1  # one array request, so arrival order cannot change
    assert isinstance(capture.requests[0]["body"], list)
    assert page.evaluate("typeof window.ka === 'function' && window.ka.q === undefined")

    page.evaluate("""() => {
        ka("goal", "call-style");
        ka.goal("method-style");
        ka.track("track-method");
    }""")
    events = settle(page, capture)
    assert events[:5] == queued
    assert unordered(events[5:]) == unordered(
        [
            ev(capture, "/landing", "goal", "call-style"),
            ev(capture, "/landing", "goal", "method-style"),
            ev(capture, "/landing", "event", "track-method"),
        ]
    )


def test_goal_with_revenue_exact_body(page, capture):
    open_page(page, capture, "/checkout", html())
    settle(page, capture)
    page.evaluate("ka.goal('purchase', {revenue: {amount: '19.99', currency: 'USD'}})")
    settle(page, capture)
    assert capture.requests[-1]["body"] == ev(
        capture, "/checkout", "goal", "purchase", revenue={"amount": "19.99", "currency": "USD"}
    )
    # numbers are sent as strings; currency is upper-cased
    page.evaluate("ka('goal', 'purchase', {revenue: {amount: 19.99, currency: 'usd'}})")
    settle(page, capture)
    assert capture.requests[-1]["body"]["revenue"] == {"amount": "19.99", "currency": "USD"}
    assert json.loads(capture.requests[-1]["raw"])["revenue"]["amount"] == "19.99"


def test_track_event(page, capture):
    open_page(page, capture, "/pricing", html())
    assert settle(page, capture) == [pv(capture, "/pricing")]
    page.evaluate("ka.track('signup')")
    settle(page, capture)
    assert capture.requests[-1]["body"] == ev(capture, "/pricing", "event", "signup")
    page.evaluate("ka('track', 'upgrade', {revenue: {amount: '5.00', currency: 'EUR'}})")
    assert settle(page, capture) == [
        pv(capture, "/pricing"),
        ev(capture, "/pricing", "event", "signup"),
        ev(capture, "/pricing", "event", "upgrade", revenue={"amount": "5.00", "currency": "EUR"}),
    ]


# --------------------------------------------------------------------------
# when nothing must be sent


def assert_nothing_sent(page, server: Capture) -> None:
    # the script ran (it replaced the stub) and kept ka() callable...
    assert page.evaluate("window.ka.loaded === true && window.ka.q === undefined")
    page.evaluate("""() => {
        ka.goal('purchase', {revenue: {amount: '19.99', currency: 'USD'}});
        ka('track', 'signup');
        history.pushState({}, '', '/elsewhere');
    }""")
    # ...but never tried to send (fetch/sendBeacon are called synchronously)
    assert page.evaluate("window.__kaSent") == []
    assert server.requests == []
    assert server.preflights == []


def test_missing_data_site_sends_nothing(page, capture):
    head = f'<script>{STUB} ka("goal", "queued");</script>'
    open_page(page, capture, "/no-site", html(attrs="data-include-localhost", head=head))
    assert_nothing_sent(page, capture)


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_localhost_without_opt_in_sends_nothing(page, capture, host):
    capture.pages["/local"] = html(attrs=f'data-site="{SITE}"')
    page.goto(capture.origin.replace("127.0.0.1", host) + "/local")
    assert page.evaluate("location.hostname") == host
    assert_nothing_sent(page, capture)


def test_ka_ignore_opt_out_sends_nothing(page, context, capture):
    context.add_init_script("localStorage.setItem('ka_ignore', 'true')")
    open_page(page, capture, "/ignored", html())
    assert_nothing_sent(page, capture)


def test_throwing_localstorage_does_not_break_tracking(page, context, capture):
    context.add_init_script("""Object.defineProperty(window, 'localStorage', {
        configurable: true, get() { throw new DOMException('denied', 'SecurityError'); }})""")
    open_page(page, capture, "/sandboxed", html())
    assert page.evaluate(
        "(() => { try { localStorage; return 'no throw'; } catch (e) { return e.name; } })()"
    ) == ("SecurityError")
    assert settle(page, capture) == [pv(capture, "/sandboxed")]


# --------------------------------------------------------------------------
# data-api, transports, robustness


def test_data_api_sends_to_other_origin(page, capture, capture2):
    attrs = f'data-site="{SITE}" data-include-localhost data-api="{capture2.origin}/"'
    open_page(page, capture, "/shop", html(attrs=attrs))
    assert settle(page, capture2) == [
        pv(capture, "/shop")
    ]  # the url is the page's, on the first server
    page.evaluate("ka.goal('purchase', {revenue: {amount: '49.90', currency: 'USD'}})")
    assert settle(page, capture2) == [
        pv(capture, "/shop"),
        ev(capture, "/shop", "goal", "purchase", revenue={"amount": "49.90", "currency": "USD"}),
    ]
    assert capture.requests == []
    assert all(r["headers"]["Origin"] == capture.origin for r in capture2.requests)
    # application/json cross-origin needs a CORS preflight, which the route answers
    assert capture2.preflights
    assert capture2.preflights[0]["headers"]["Access-Control-Request-Method"] == "POST"


def test_sendbeacon_fallback_without_fetch_keepalive(page, context, capture):
    context.add_init_script("delete Request.prototype.keepalive")
    open_page(page, capture, "/old-browser", html())
    assert page.evaluate("'keepalive' in Request.prototype") is False
    assert settle(page, capture) == [pv(capture, "/old-browser")]
    page.evaluate("ka.goal('purchase', {revenue: {amount: '19.99', currency: 'USD'}})")
    assert settle(page, capture) == [
        pv(capture, "/old-browser"),
        ev(
            capture,
            "/old-browser",
            "goal",
            "purchase",
            revenue={"amount": "19.99", "currency": "USD"},
        ),
    ]
    assert [s["via"] for s in page.evaluate("window.__kaSent")] == ["beacon", "beacon"]
    assert all(r["headers"]["Content-Type"].startswith("text/plain") for r in capture.requests)


def test_without_document_current_script_the_tag_is_found_by_its_src(page, context, capture):
    context.add_init_script(
        "Object.defineProperty(Document.prototype, 'currentScript', {get() { return null; }})"
    )
    open_page(page, capture, "/legacy", html())
    assert page.evaluate("document.currentScript") is None
    assert settle(page, capture) == [pv(capture, "/legacy")]


def test_bad_arguments_never_throw_into_host_page(page, capture):
    head = f"""<script>
      window.errors = 0; window.rejections = 0;
      window.onerror = function () {{ window.errors++; }};
      window.addEventListener('unhandledrejection', function () {{ window.rejections++; }});
      {STUB}
      ka("bogus-command"); ka(); ka("goal", {{}}); ka("goal", "queued-ok", "not-options");
    </script>"""
    body = """<script>
      window.addEventListener('load', function () {
        ka.goal(); ka.goal(null); ka.goal(42); ka.goal({}); ka.goal('');
        ka.goal('bad-rev-string', 'junk');
        ka.goal('bad-rev-object', {revenue: 'junk'});
        ka.goal('bad-amount', {revenue: {amount: 'abc', currency: 'USD'}});
        ka.goal('bad-amount-type', {revenue: {amount: ['1.00'], currency: 'USD'}});
        ka.goal('bad-currency', {revenue: {amount: '1.00', currency: 'US'}});
        ka.goal('nan', {revenue: {amount: NaN, currency: 'USD'}});
        ka.goal('getter-throws', {get revenue() { throw new Error('boom'); }});
        ka.track(undefined, null); ka('nope'); ka('goal'); ka(null, null);
        ka.goal('ok', null);
        window.done = true;
      });
    </script>"""
    open_page(page, capture, "/hostile", html(head=head, body=body))
    assert page.evaluate("window.done") is True
    events = settle(page, capture)
    # the load batch: pageview + the valid queued call
    batches = [r["body"] for r in capture.requests if isinstance(r["body"], list)]
    assert batches == [[pv(capture, "/hostile"), ev(capture, "/hostile", "goal", "queued-ok")]]
    assert unordered(events) == unordered(
        [
            pv(capture, "/hostile"),
            ev(capture, "/hostile", "goal", "queued-ok"),
            ev(capture, "/hostile", "goal", "bad-rev-string"),
            ev(capture, "/hostile", "goal", "bad-rev-object"),
            ev(capture, "/hostile", "goal", "bad-amount"),
            ev(capture, "/hostile", "goal", "bad-amount-type"),
            ev(capture, "/hostile", "goal", "bad-currency"),
            ev(capture, "/hostile", "goal", "nan"),
            ev(capture, "/hostile", "goal", "ok"),
        ]
    )
    assert page.evaluate("[window.errors, window.rejections]") == [0, 0]
    # the history wrappers keep the host's own errors intact
    assert (
        page.evaluate("""() => {
        try { history.pushState({}, '', 'https://other.example/'); return 'no error'; }
        catch (e) { return e.name; }
    }""")
        == "SecurityError"
    )


@pytest.mark.parametrize(
    "cross_origin", [False, True], ids=["same-origin", "cross-origin-slow-preflight"]
)
def test_goal_right_before_navigating_away_still_arrives(page, capture, cross_origin):
    # Cross-origin, the POST waits for a preflight that the server answers
    # slowly (and uncached), so the page is gone before the POST is even
    # sent: only a keepalive request survives that (verified: with
    # keepalive: false in ka.js this case fails).
    target = Capture(preflight_delay=0.5) if cross_origin else capture
    try:
        attrs = f'data-site="{SITE}" data-include-localhost'
        if cross_origin:
            attrs += f' data-api="{target.origin}"'
        body = """<button id="buy" onclick="
            ka.goal('purchase', {revenue: {amount: '49.90', currency: 'USD'}});
            location.href = '/done';">Buy</button>"""
        capture.pages["/done"] = "<!doctype html><title>done</title><p>thanks</p>"
        open_page(page, capture, "/cart", html(attrs=attrs, body=body))
        wait_until(lambda: len(target.events()) >= 1, what="load pageview")
        page.click("#buy")
        page.wait_for_url(capture.origin + "/done")
        wait_until(lambda: len(target.events()) >= 2, what="goal sent before navigation")
        assert target.events() == [
            pv(capture, "/cart"),
            ev(
                capture, "/cart", "goal", "purchase", revenue={"amount": "49.90", "currency": "USD"}
            ),
        ]
    finally:
        if cross_origin:
            target.close()

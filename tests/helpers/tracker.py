"""A shop's pages in headless Chromium, tracked by a real goalgate's ka.js.

For the tracker's end-to-end tests: a stdlib server for the shop's (and a
referring site's) pages, which Chromium reaches under real host names
(``--host-resolver-rules`` maps them to 127.0.0.1); the documented stub and
snippet; an init script that records every send ka.js starts and the status
each gets, so tests wait for answers instead of sleeping.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from tests.helpers.env import skip_or_fail
from tests.helpers.ka import EVENTS_PATH, STUB
from tests.helpers.time import wait_until

CHROMIUM = "/usr/bin/chromium"  # Debian's; Playwright's own download is never used
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
# A fixed Chrome-on-Windows browser, for the parsed device, browser and OS.
USER_AGENT = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"
)
# Records, in each document, the body of every send ka.js starts and the status each gets.
INSTRUMENT = """
(() => {
  const log = window.__ka = {sent: [], statuses: []};
  const origFetch = window.fetch;
  window.fetch = function (url, init) {
    const result = origFetch.apply(this, arguments);
    if (String(url).indexOf('__EVENTS__') !== -1) {
      log.sent.push(JSON.parse(init.body));
      result.then((r) => log.statuses.push(r.status), () => log.statuses.push('network error'));
    }
    return result;
  };
  const origBeacon = navigator.sendBeacon;
  navigator.sendBeacon = function (url) {
    if (String(url).indexOf('__EVENTS__') !== -1) log.sent.push('beacon');
    return origBeacon.apply(this, arguments);
  };
})();
""".replace("__EVENTS__", EVENTS_PATH)


@contextmanager
def mapped_chromium(*hosts: str) -> Iterator[Any]:
    """Headless Chromium that resolves ``hosts`` to 127.0.0.1 (skips without it)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        skip_or_fail("playwright not importable: pip install playwright")
    if not Path(CHROMIUM).exists():
        skip_or_fail("Chromium not found at /usr/bin/chromium: apt-get install chromium")
    rules = "--host-resolver-rules=" + ", ".join(f"MAP {host} 127.0.0.1" for host in hosts)
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, rules])
        try:
            yield chromium
        finally:
            chromium.close()


class Pages:
    """One stdlib server for every site's pages (the browser maps their names here);
    ``pages`` (path -> markup) may be filled after it starts."""

    def __init__(self, pages: dict[str, str] | None = None) -> None:
        self.pages: dict[str, str] = {} if pages is None else pages
        served = self.pages

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # keep pytest output clean
                pass

            def do_GET(self) -> None:
                markup = served.get(self.path.split("?", 1)[0])
                body = (markup or "not found").encode()
                self.send_response(200 if markup else 404)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Cache-Control", "no-store")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)


def shop_page(site: str, script_src: str, body: str) -> str:
    """A page with the documented stub and snippet for ``site``."""
    return f"""<!doctype html>
<html><head><meta charset="utf-8"><title>shop</title>
<script>{STUB}</script>
<script defer data-site="{site}" src="{script_src}"></script>
</head><body>{body}</body></html>"""


def settle(page: Any, count: int) -> list[Any]:
    """The bodies of this document's first ``count`` sends, once each has its 202."""

    def answered() -> bool:
        return len(page.evaluate("window.__ka.statuses")) >= count

    wait_until(answered, timeout=15.0, every=0.05, what=f"{count} answered send(s)")
    log = page.evaluate("window.__ka")
    assert log["statuses"] == [202] * count
    return list(log["sent"])

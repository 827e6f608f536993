"""The ka.js browser tests' capture server and pages.

A tiny stdlib HTTP "capture server" on 127.0.0.1 (port 0) serves a test page
plus ka.js straight from disk and records what the script POSTs to
/api/v1/analytics/events (answering 202 with CORS headers, preflight included).
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from tests.helpers.time import wait_until

KA_JS = Path(__file__).resolve().parents[2] / "src" / "goalgate" / "api" / "ingest" / "ka.js"
EVENTS_PATH = "/api/v1/analytics/events"
SITE = "sk_test_123"
STUB = "window.ka = window.ka || function(){(window.ka.q = window.ka.q || []).push(arguments)};"

# Records every send attempt the page makes to the events route (before the
# request leaves the page), so tests know how many requests to wait for.
INSTRUMENT = """
(() => {
  const sent = window.__kaSent = [];
  const isEvents = (u) => String(u).indexOf('__EVENTS__') !== -1;
  const origFetch = window.fetch;
  window.fetch = function (url, init) {
    if (isEvents(url)) {
      sent.push({via: 'fetch', url: String(url), init: JSON.parse(JSON.stringify(init || {}))});
    }
    return origFetch.apply(this, arguments);
  };
  const origBeacon = navigator.sendBeacon;
  navigator.sendBeacon = function (url) {
    if (isEvents(url)) sent.push({via: 'beacon', url: String(url)});
    return origBeacon.apply(this, arguments);
  };
})();
""".replace("__EVENTS__", EVENTS_PATH)


class Capture:
    """Threaded stdlib HTTP server: serves pages + ka.js, records event POSTs."""

    def __init__(self, preflight_delay: float = 0.0) -> None:
        self.pages: dict[str, str] = {}
        self.requests: list[dict] = []  # event POSTs, in arrival order
        # What to do with the next POSTs, in order, before accepting: a status
        # to answer (e.g. 503) or "drop" (close without an answer).
        self.refusals: list[int | str] = []
        self.refused: list[dict] = []  # refused POSTs, in arrival order
        self.preflights: list[dict] = []
        self.preflight_delay = preflight_delay
        self._lock = threading.Lock()
        capture = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # keep pytest output clean
                pass

            def _send(
                self, status: int, body: bytes = b"", ctype: str | None = None, cors: bool = False
            ) -> None:
                self.send_response(status)
                if ctype:
                    self.send_header("Content-Type", ctype)
                if cors:
                    self.send_header("Access-Control-Allow-Origin", "*")
                    self.send_header("Access-Control-Allow-Methods", "POST, OPTIONS")
                    self.send_header("Access-Control-Allow-Headers", "Content-Type")
                    # a slow server also disables the preflight cache, so
                    # every POST needs its own (slow) preflight
                    max_age = "0" if capture.preflight_delay else "600"
                    self.send_header("Access-Control-Max-Age", max_age)
                self.send_header("Cache-Control", "no-store")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                path = self.path.split("?", 1)[0]
                if path == "/js/ka.js":
                    self._send(200, KA_JS.read_bytes(), "application/javascript; charset=utf-8")
                elif path in capture.pages:
                    self._send(200, capture.pages[path].encode(), "text/html; charset=utf-8")
                else:
                    self._send(404, b"not found", "text/plain")

            def do_OPTIONS(self) -> None:
                with capture._lock:
                    capture.preflights.append({"path": self.path, "headers": dict(self.headers)})
                if capture.preflight_delay:
                    time.sleep(
                        capture.preflight_delay
                    )  # simulates a slow network, see navigation test
                self._send(204, cors=True)

            def do_POST(self) -> None:
                if self.path != EVENTS_PATH:
                    return self._send(404, b"not found", "text/plain")
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
                body = json.loads(raw)
                with capture._lock:
                    refusal = capture.refusals.pop(0) if capture.refusals else None
                    if refusal is not None:
                        capture.refused.append({"answer": refusal, "body": body})
                if refusal == "drop":
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return None
                if refusal is not None:
                    return self._send(int(refusal), b"{}", "application/json", cors=True)
                with capture._lock:
                    capture.requests.append(
                        {"headers": dict(self.headers), "raw": raw, "body": body}
                    )
                accepted = len(body) if isinstance(body, list) else 1
                self._send(
                    202,
                    json.dumps({"data": {"accepted": accepted}}).encode(),
                    "application/json",
                    cors=True,
                )

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def events(self) -> list[dict]:
        """All received events, arrays flattened, in arrival order."""
        out: list[dict] = []
        with self._lock:
            for req in self.requests:
                body = req["body"]
                out.extend(body if isinstance(body, list) else [body])
        return out

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def html(
    attrs: str = f'data-site="{SITE}" data-include-localhost',
    head: str = "",
    body: str = "",
    src: str = "/js/ka.js",
) -> str:
    return f"""<!doctype html>
<html><head><meta charset="utf-8"><title>t</title>{head}
<script defer {attrs} src="{src}"></script>
</head><body>{body}</body></html>"""


def settle(page, server: Capture) -> list[dict]:
    """Wait until every request the page started has reached `server`; return its events."""
    started = page.evaluate("window.__kaSent.length")
    wait_until(
        lambda: len(server.requests) >= started, what=f"{started} request(s) at the capture server"
    )
    assert len(server.requests) == started
    return server.events()


def unordered(events: list[dict]) -> list[str]:
    """Separate requests travel on separate connections and may arrive in any
    order; only events batched into one request have a guaranteed order."""
    return sorted(json.dumps(e, sort_keys=True) for e in events)


def pv(server: Capture, path_and_query: str, **extra) -> dict:
    """A pageview of ``path_and_query`` (the query as ka.js sends it: utm_* tags only)."""
    return {"site": SITE, "type": "pageview", "url": server.origin + path_and_query, **extra}


def ev(server: Capture, path_and_query: str, kind: str, name: str, **extra) -> dict:
    """An ``event`` (ka.track) or ``goal`` (ka.goal) fired on the page ``path_and_query``."""
    return {
        "site": SITE,
        "type": kind,
        "name": name,
        "url": server.origin + path_and_query,
        **extra,
    }


def open_page(page, server: Capture, path: str, markup: str, query: str = "") -> None:
    server.pages[path] = markup
    page.goto(server.origin + path + query)  # waits for "load": deferred ka.js has run

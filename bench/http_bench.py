"""Hot paths through real servers, driven by wrk: each figure a ratio to a floor of the same run.

wrk (C, one thread) leaves the CPU to the server: 16 Python clients in one
process would take most of a core themselves. Every server is ``goalgate
serve`` (uvicorn, uvloop, httptools) with rate limits on but set too high to
trip, so their cost is measured. Rows:

- ``GET /healthz``: the floor, what the framework itself does per request;
- ``GET /readyz``: one ``SELECT 1`` through a pooled session (the write path's cost);
- REST goal list (20 goals) on SQLite and on PostgreSQL, as a ratio to /healthz;
- the naive REST list (bench/naive_app.py) on the same file, for scale;
- GraphQL list of the same 20 goals (6 fields) as a ratio to the REST list;
- single anonymous events (what ka.js sends on every pageview) at 32
  connections, as a ratio to /healthz; the events stored are counted and
  must cover every 202 wrk saw;
- /healthz and the REST list at 2 workers as a ratio to 1 worker.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench import dataset
from bench.load_bench import _admin, postgres_admin_url, postgres_unavailable
from bench.server import free_port, serving
from goalgate.storage.db import open_database

__all__ = ["BROWSER", "EVENT", "Figure", "events_stored", "measure", "run_wrk"]

SITE = dataset.SITE_KEY
LISTING_GOALS = 17  # plus the three benchmark goals: 20
GRAPHQL_LIST = (
    "query Goals($key: String!) { site(key: $key) { goals(first: 20) "
    "{ nodes { id name type matchType matchValue currency } } } }"
)
# What ka.js sends for a pageview from a campaign link, with a browser's
# User-Agent: the attribution (referrer list, campaign tags, ua-parser) is on.
EVENT = {
    "site": SITE,
    "type": "pageview",
    "url": "https://bench.example.com/pricing?utm_source=newsletter&utm_campaign=spring",
    "referrer": "https://www.google.com/",
}
BROWSER = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"
)


@dataclass(frozen=True)
class Figure:
    name: str
    rps: float
    requests: int
    errors: int
    p50_ms: float
    p99_ms: float


def wrk_path() -> str:
    found = shutil.which("wrk")
    if found is None:
        raise RuntimeError("wrk is not installed: apt-get install wrk (make bench does)")
    return found


def _lua(method: str, body: str | None, headers: dict[str, str], visitors: int) -> str:
    lines = [f'wrk.method = "{method}"']
    if body is not None:
        lines.append(f"wrk.body = {json.dumps(body)}")
    lines += [f"wrk.headers[{json.dumps(k)}] = {json.dumps(v)}" for k, v in headers.items()]
    if visitors:
        # Each request from the next of ``visitors`` client addresses (loopback
        # is a trusted proxy by default): that many anonymous visitors, in turn.
        lines.append(
            "local n = 0\nrequest = function()\n  n = (n + 1) % "
            f"{visitors}\n"
            '  wrk.headers["X-Forwarded-For"] = "10.9." .. math.floor(n / 256) .. "." .. n % 256\n'
            "  return wrk.format()\nend"
        )
    # Latency percentiles as one parsable line.
    lines.append(
        "done = function(summary, latency, requests)\n"
        '  io.write(string.format("PCT %d %d\\n", latency:percentile(50), '
        "latency:percentile(99)))\nend"
    )
    return "\n".join(lines) + "\n"


def run_wrk(
    name: str,
    url: str,
    *,
    seconds: float,
    connections: int = 16,
    method: str = "GET",
    body: str | None = None,
    headers: dict[str, str] | None = None,
    warmup: float = 1.0,
    visitors: int = 0,
) -> Figure:
    """wrk -t1 against ``url`` after a warm-up; non-2xx answers count as errors.
    ``visitors``: each request from the next of that many client addresses."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(_lua(method, body, headers or {}, visitors))
    try:
        base = [wrk_path(), "-t1", f"-c{connections}", "-s", script.name, "--latency"]
        # wrk takes whole seconds only.
        subprocess.run([*base, f"-d{max(round(warmup), 1)}s", url], check=True, capture_output=True)
        out = subprocess.run(
            [*base, f"-d{max(round(seconds), 1)}s", url], check=True, capture_output=True, text=True
        ).stdout
    finally:
        os.unlink(script.name)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    requests = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out
    )
    errors = int(non_2xx.group(1)) if non_2xx else 0
    if socket_errors:
        errors += sum(int(n) for n in socket_errors.groups())
    p50, p99 = (int(n) / 1000 for n in re.search(r"PCT (\d+) (\d+)", out).groups())  # type: ignore[union-attr]
    return Figure(name, rps, requests, errors, p50, p99)


def events_stored(url: str) -> int:
    async def count() -> int:
        db = open_database(url)
        try:
            rows = await db.reader.rows("SELECT count(*) FROM events")
            return int(rows[0][0])
        finally:
            await db.close()

    return asyncio.run(count())


@contextmanager
def _naive_server(database_url: str) -> Iterator[str]:
    port = free_port()
    env = {**os.environ, "GOALGATE_DATABASE_URL": database_url}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "bench.naive_app:create_app",
            "--port",
            str(port),
            "--no-access-log",
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=Path(__file__).resolve().parents[1],
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{base}/", timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("the naive server did not start") from None
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=15)


@contextmanager
def _postgres_copy() -> Iterator[str | None]:
    """A PostgreSQL database with the same site, token and goals; None without a server."""
    admin = postgres_admin_url()
    if postgres_unavailable(admin) is not None:
        yield None
        return
    from sqlalchemy.engine import make_url

    name = f"gg_http_{os.getpid()}"
    asyncio.run(_admin(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    asyncio.run(_admin(admin, f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(admin).set(database=name).render_as_string(hide_password=False)
    finally:
        asyncio.run(_admin(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def measure(directory: Path, *, seconds: float) -> tuple[list[Figure], str | None]:
    """Every figure of the section; the second value says why PostgreSQL is missing."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "bench-http.db"
    for stale in directory.glob("bench-http.db*"):
        stale.unlink()
    url = f"sqlite+aiosqlite:///{path}"
    token, _ = asyncio.run(dataset._prepare_schema(url, goals=LISTING_GOALS))
    auth = {"Authorization": f"Bearer {token}"}
    goals_path = f"/api/v1/analytics/sites/{SITE}/goals"
    figures: list[Figure] = []
    with serving(url) as base:
        figures.append(run_wrk("healthz", f"{base}/healthz", seconds=seconds))
        figures.append(run_wrk("readyz", f"{base}/readyz", seconds=seconds))
        figures.append(run_wrk("rest_list", base + goals_path, seconds=seconds, headers=auth))
        figures.append(
            run_wrk(
                "graphql_list",
                f"{base}/graphql",
                seconds=seconds,
                method="POST",
                body=json.dumps({"query": GRAPHQL_LIST, "variables": {"key": SITE}}),
                headers={**auth, "Content-Type": "application/json"},
            )
        )
        before = events_stored(url)
        ingest = run_wrk(
            "single_event",
            f"{base}/api/v1/analytics/events",
            seconds=seconds,
            connections=32,
            method="POST",
            body=json.dumps(EVENT),
            headers={"Content-Type": "text/plain", "User-Agent": BROWSER},
        )
    # After the server stopped: everything it acknowledged is committed by now.
    stored = events_stored(url) - before
    # wrk drops the answers in flight when its time is up (at most one per
    # connection), so stored may exceed the 202s it counted, never fall short.
    lost = max(ingest.requests - ingest.errors - stored, 0)
    figures.append(ingest)
    figures.append(Figure("single_event_lost", float(lost), stored, 0, 0.0, 0.0))
    with _naive_server(url) as naive:
        figures.append(run_wrk("naive_list", naive + goals_path, seconds=seconds, headers=auth))
    with serving(url, workers=2) as base:
        figures.append(run_wrk("healthz_2w", f"{base}/healthz", seconds=seconds))
        figures.append(run_wrk("rest_list_2w", base + goals_path, seconds=seconds, headers=auth))
    why_not_postgres = postgres_unavailable(postgres_admin_url())
    with _postgres_copy() as pg_url:
        if pg_url is not None:
            pg_token, _ = asyncio.run(dataset._prepare_schema(pg_url, goals=LISTING_GOALS))
            pg_auth = {"Authorization": f"Bearer {pg_token}"}
            with serving(pg_url) as base:
                figures.append(run_wrk("pg_healthz", f"{base}/healthz", seconds=seconds))
                figures.append(
                    run_wrk("pg_rest_list", base + goals_path, seconds=seconds, headers=pg_auth)
                )
    return figures, why_not_postgres

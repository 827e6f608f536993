"""Sustained mixed traffic against real servers: throughput, latency, errors, lost events.

For each configuration (SQLite or PostgreSQL, 1, 2 or 4 workers) a fresh
database is created and seeded (one site, one token, five goals, SEED_EVENTS
events over the last 30 days), ``goalgate serve --workers N`` is started on
it, and CLIENTS asyncio httpx clients send a fixed mix for a fixed time:

- ingest: ``POST /api/v1/analytics/events``, a batch of BATCH events
  (pageviews, custom events, goals with revenue), expected 202;
- stats:  ``GET .../goals/{id}/stats`` for one of the five goals, expected 200;
- create / patch / delete: a new goal, a rename with ``If-Match``, its
  deletion (201, 200, 200), one after the other.

Any other answer, or a transport error, is an error. Once the time is up the
clients finish what is in flight, the server is stopped (SIGTERM) and the
events in the database are counted: ``lost`` = events acknowledged with 202
minus events stored beyond the seed (negative would mean stored without an
acknowledgement, e.g. a request timed out after its commit).

Rate limits stay on, with the default database-backed counters, at limits far
above what the run can reach: every request still pays its counter increment,
as in production.

PostgreSQL: ``GOALGATE_BENCH_POSTGRES_URL`` (default
``postgresql+asyncpg://postgres@127.0.0.1:5432/test``) is an admin URL; each
configuration gets a database of its own, dropped afterwards. If the server
cannot be reached, the PostgreSQL configurations are skipped with the reason.
"""

from __future__ import annotations

import asyncio
import os
import random
import statistics
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.engine import make_url

import goalgate.services.goals as goal_service
import goalgate.services.sites as site_service
import goalgate.services.tokens as token_service
from bench.server import serving
from goalgate.domain.tokens import Principal, Scope
from goalgate.services.group_commit import NewEvent, write_events
from goalgate.storage.db import open_database

__all__ = ["KINDS", "LIMITS_NOTE", "Result", "measure", "postgres_admin_url"]

SITE = "sk_load"
CLIENTS = 16
BATCH = 50
SEED_EVENTS = 20_000
KINDS = ("ingest", "stats", "create", "patch", "delete")
# Per client, each step of the mix is one of these, by weight.
MIX = (("ingest", 5), ("stats", 3), ("crud", 2))
LIMITS = {
    "GOALGATE_RATE_LIMIT_INGEST": "10000000/minute",
    "GOALGATE_RATE_LIMIT_INGEST_EVENTS": "1000000000/minute",
    "GOALGATE_RATE_LIMIT_TOKEN": "10000000/minute",
    "GOALGATE_MAX_NEW_KEYS_PER_DAY": "1000000000",
}
LIMITS_NOTE = (
    "rate limits on (database counters, every request counted), "
    "at 10,000,000/minute so that none triggers"
)
DEFAULT_POSTGRES = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
PATHS = ["/", "/pricing", "/signup", "/thank-you"] + [f"/docs/{n}" for n in range(50)]
NAMES = ["signup", "download", "play_video", "contact_form"]
STATS_GOALS = [
    {"name": "Pricing", "type": "pageview", "match_type": "exact", "match_value": "/pricing"},
    {"name": "Docs", "type": "pageview", "match_type": "contains", "match_value": "/docs/"},
    {"name": "Signup", "type": "event", "match_type": "exact", "match_value": "signup"},
    {"name": "Media", "type": "event", "match_type": "regex", "match_value": r"^play_\w+$"},
    {
        "name": "Purchase",
        "type": "custom",
        "match_type": "exact",
        "match_value": "purchase",
        "currency": "USD",
    },
]
PRINCIPAL = Principal(
    token_id=0,
    name="load",
    scopes=frozenset({Scope.ANALYTICS_READ, Scope.ANALYTICS_WRITE}),
    site_keys=None,
)


@dataclass
class Result:
    backend: str
    workers: int
    seconds: float
    requests: int = 0
    errors: int = 0
    acknowledged: int = 0
    stored: int = 0
    latencies: dict[str, list[float]] = field(default_factory=lambda: {k: [] for k in KINDS})
    error_samples: list[str] = field(default_factory=list)

    @property
    def rps(self) -> float:
        return self.requests / self.seconds

    @property
    def lost(self) -> int:
        return self.acknowledged - self.stored

    def ms(self, kind: str, q: int) -> float:
        """The q-th percentile (1 to 99) of one kind's latencies, in milliseconds."""
        values = self.latencies[kind]
        if len(values) < 2:
            return values[0] * 1e3 if values else float("nan")
        return statistics.quantiles(values, n=100, method="inclusive")[q - 1] * 1e3


def postgres_admin_url() -> str:
    return os.environ.get("GOALGATE_BENCH_POSTGRES_URL", DEFAULT_POSTGRES)


async def _admin(admin_url: str, statement: str) -> None:
    import asyncpg

    parsed = make_url(admin_url)
    conn = await asyncpg.connect(
        host=parsed.host or "127.0.0.1",
        port=parsed.port or 5432,
        user=parsed.username or "postgres",
        password=parsed.password,
        database=parsed.database or "postgres",
        timeout=5,
    )
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


def postgres_unavailable(admin_url: str) -> str | None:
    """Why PostgreSQL cannot be used, or None if it can."""
    try:
        import asyncpg  # noqa: F401
    except ImportError:
        return "asyncpg is not installed (pip install 'goalgate[postgres]')"
    try:
        asyncio.run(_admin(admin_url, "SELECT 1"))
    except Exception as exc:
        return f"cannot connect to {make_url(admin_url).render_as_string()}: {exc}"
    return None


@contextmanager
def _database(backend: str, directory: Path) -> Iterator[str]:
    """A new, empty database of ``backend``; removed afterwards."""
    if backend == "sqlite":
        path = directory / f"load-{uuid.uuid4().hex[:8]}.db"
        try:
            yield f"sqlite+aiosqlite:///{path}"
        finally:
            for leftover in path.parent.glob(path.name + "*"):
                leftover.unlink()
        return
    admin = postgres_admin_url()
    name = f"gg_load_{uuid.uuid4().hex[:12]}"
    asyncio.run(_admin(admin, f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(admin).set(database=name).render_as_string(hide_password=False)
    finally:
        asyncio.run(_admin(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def _seed(url: str) -> tuple[str, list[str]]:
    """Site, token, the stats goals and SEED_EVENTS events; returns the token and goal ids."""
    db = open_database(url)
    try:
        await db.migrate()
        site = await site_service.create_site(
            db, key=SITE, domain="load.example.com", timezone="UTC"
        )
        _, token = await token_service.create_token(
            db, name="load", scopes=[s.value for s in PRINCIPAL.scopes], site_keys=None
        )
        sites = site_service.SiteDirectory(db.reader)
        goal_ids = [
            (
                await goal_service.create_goal(
                    db, sites, PRINCIPAL, SITE, goal_service.GoalDraft(**goal)
                )
            ).id
            for goal in STATS_GOALS
        ]
        assert site.id is not None
        rng = random.Random(5)
        now_ms = int(datetime.now(UTC).timestamp() * 1000)
        month_ms = int(timedelta(days=30) / timedelta(milliseconds=1))
        events = []
        for _ in range(SEED_EVENTS):
            raw = _event(rng)
            kind = str(raw["type"])
            value = str(raw.get("path") or raw.get("name"))
            revenue = raw.get("revenue")
            events.append(
                NewEvent(
                    site_id=site.id,
                    kind=kind,
                    value=value,
                    ts=now_ms - rng.randrange(month_ms),
                    visitor=rng.randrange(1, 2**62),
                    revenue_micros=5_000_000 if revenue else None,
                    revenue_currency="USD" if revenue else None,
                )
            )
        async with db.transaction() as session:
            await write_events(session, events)
        return token, goal_ids
    finally:
        await db.close()


async def _count_events(url: str) -> int:
    db = open_database(url)
    try:
        async with db.engine.connect() as connection:
            return int((await connection.execute(text("SELECT count(*) FROM events"))).scalar_one())
    finally:
        await db.close()


def _event(rng: random.Random) -> dict[str, Any]:
    roll = rng.random()
    visitor = f"v{rng.randrange(5_000)}"
    if roll < 0.75:
        return {"site": SITE, "type": "pageview", "path": rng.choice(PATHS), "visitor_id": visitor}
    if roll < 0.95:
        return {"site": SITE, "type": "event", "name": rng.choice(NAMES), "visitor_id": visitor}
    return {
        "site": SITE,
        "type": "goal",
        "name": "purchase",
        "visitor_id": visitor,
        "revenue": {"amount": "5.00", "currency": "USD"},
    }


async def _drive(
    base: str, token: str, goal_ids: list[str], result: Result, seconds: float
) -> None:
    goals = f"/api/v1/analytics/sites/{SITE}/goals"
    headers = {"Authorization": f"Bearer {token}"}
    kinds = [kind for kind, weight in MIX for _ in range(weight)]

    async def timed(
        http: httpx.AsyncClient, kind: str, expected: int, method: str, url: str, **kw: Any
    ) -> httpx.Response | None:
        started = time.perf_counter()
        try:
            response = await http.request(method, url, **kw)
        except httpx.HTTPError as exc:
            result.requests += 1
            result.errors += 1
            result.error_samples.append(f"{kind}: {type(exc).__name__}: {exc}")
            return None
        result.latencies[kind].append(time.perf_counter() - started)
        result.requests += 1
        if response.status_code != expected:
            result.errors += 1
            result.error_samples.append(f"{kind}: {response.status_code} {response.text[:200]}")
            return None
        return response

    async def client(number: int, deadline: float) -> None:
        rng = random.Random(number)
        async with httpx.AsyncClient(base_url=base, timeout=60, headers=headers) as http:
            step = 0
            while time.perf_counter() < deadline:
                kind = rng.choice(kinds)
                if kind == "ingest":
                    batch = [_event(rng) for _ in range(BATCH)]
                    ok = await timed(
                        http, "ingest", 202, "POST", "/api/v1/analytics/events", json=batch
                    )
                    if ok is not None:
                        result.acknowledged += int(ok.json()["data"]["accepted"])
                elif kind == "stats":
                    goal = rng.choice(goal_ids)
                    period = rng.choice(["7d", "30d"])
                    await timed(
                        http,
                        "stats",
                        200,
                        "GET",
                        f"{goals}/{goal}/stats",
                        params={"period": period},
                    )
                else:
                    name = f"load c{number} s{step}"
                    body = {
                        "name": name,
                        "type": "event",
                        "match_type": "exact",
                        "match_value": f"c{number}-{step}",
                    }
                    created = await timed(http, "create", 201, "POST", goals, json=body)
                    if created is not None:
                        url = f"{goals}/{created.json()['data']['id']}"
                        patched = await timed(
                            http,
                            "patch",
                            200,
                            "PATCH",
                            url,
                            json={"name": name + " renamed"},
                            headers={"If-Match": created.headers["etag"]},
                        )
                        if patched is not None:
                            await timed(
                                http,
                                "delete",
                                200,
                                "DELETE",
                                url,
                                headers={"If-Match": patched.headers["etag"]},
                            )
                step += 1

    # Warm up every worker's connections and caches outside the measurement.
    async with httpx.AsyncClient(base_url=base, timeout=60, headers=headers) as http:
        await asyncio.gather(
            *(http.get(f"{goals}/{goal_ids[0]}/stats") for _ in range(4 * result.workers))
        )
    started = time.perf_counter()
    await asyncio.gather(*(client(n, started + seconds) for n in range(CLIENTS)))
    result.seconds = time.perf_counter() - started


def run_one(backend: str, workers: int, directory: Path, seconds: float) -> Result:
    result = Result(backend, workers, seconds)
    with _database(backend, directory) as url:
        token, goal_ids = asyncio.run(_seed(url))
        with serving(url, workers=workers, extra_env=LIMITS) as base:
            asyncio.run(_drive(base, token, goal_ids, result, seconds))
        result.stored = asyncio.run(_count_events(url)) - SEED_EVENTS
    return result


def measure(
    directory: Path, *, seconds: float, workers: tuple[int, ...] = (1, 2, 4)
) -> tuple[list[Result], str | None]:
    """Every configuration's result, and why PostgreSQL was skipped (None if it was not)."""
    directory.mkdir(parents=True, exist_ok=True)
    results = []
    for count in workers:
        print(f"  load: sqlite, {count} worker(s), {seconds:.0f} s …", flush=True)
        results.append(run_one("sqlite", count, directory, seconds))
    skipped = postgres_unavailable(postgres_admin_url())
    if skipped is not None:
        print(f"  load: PostgreSQL skipped: {skipped}", flush=True)
        return results, skipped
    for count in workers:
        print(f"  load: postgres, {count} worker(s), {seconds:.0f} s …", flush=True)
        results.append(run_one("postgres", count, directory, seconds))
    return results, None

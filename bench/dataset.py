"""Build benchmark databases: goalgate's own schema, filled in bulk with sqlite3.

Two databases share the exact same events for the benchmark's goals; the larger
one adds events of other paths and names only. Comparing a goal's latency on
both therefore shows whether cost follows matching events or stored events.
"""

from __future__ import annotations

import asyncio
import random
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from rich.progress import Progress

from goalgate.services import goals as goal_service
from goalgate.services import sites as site_service
from goalgate.services import tokens as token_service
from goalgate.storage.db import open_database

SITE_KEY = "sk_bench"
DAY_MS = 86_400_000
BLOG_POSTS = 400
# The exact event goal matches "signup": half of the base events, spread over a year.
SIGNUP_SHARE = 0.5
BLOG_SHARE = 0.3

GOALS = {
    "exact_event": {
        "name": "Signup",
        "type": "event",
        "match_type": "exact",
        "match_value": "signup",
    },
    "regex_pageview": {
        "name": "Blog post",
        "type": "pageview",
        "match_type": "regex",
        "match_value": r"^/blog/\d+$",
    },
    "purchase": {
        "name": "Purchase",
        "type": "custom",
        "match_type": "exact",
        "match_value": "purchase",
        "currency": "USD",
    },
}


# (kind, value, ts, visitor, revenue_micros, currency, source, country)
Row = tuple[str, str, int, int, int | None, str | None, str | None, str | None]
# Where visits come from (None: direct), and from which countries: the
# breakdown and filter benchmarks group and filter by these.
SOURCES = (
    (None, 0.40),
    ("Google", 0.30),
    ("Twitter", 0.08),
    ("Newsletter", 0.07),
    ("Hacker News", 0.05),
    ("DuckDuckGo", 0.05),
    ("Bing", 0.03),
    ("Reddit", 0.02),
)
COUNTRIES = (("US", 0.35), ("DE", 0.2), ("GB", 0.1), ("FR", 0.1), ("JP", 0.05), (None, 0.2))


def _pick(rng: random.Random, weighted: tuple[tuple[str | None, float], ...]) -> str | None:
    roll = rng.random()
    for value, share in weighted:
        roll -= share
        if roll < 0:
            return value
    return weighted[-1][0]


@dataclass(frozen=True)
class BenchDatabase:
    path: Path
    url: str
    token: str
    goal_ids: dict[str, str]
    events: int


def _other_paths(rng: random.Random) -> list[str]:
    paths = ["/", "/pricing", "/about", "/thank-you", "/blog", "/blog/archive"]
    paths += [f"/docs/{s}/{p}" for s in ("start", "api", "guides", "faq") for p in range(75)]
    paths += [f"/product/{n}" for n in range(300)]
    paths += [f"/blog/{n}/comments" for n in range(50)]
    rng.shuffle(paths)
    return paths


OTHER_EVENTS = [
    "contact_form",
    "contact_chat",
    "newsletter_signup",
    "download",
    "play_video",
    "share",
    "search",
    "add_to_cart",
    "open_menu",
    "scroll_75",
]


async def _prepare_schema(url: str, *, goals: int = 0) -> tuple[str, dict[str, str]]:
    """Migrate, create the site, a token and the benchmark goals; return token and ids."""
    db = open_database(url)
    try:
        await db.migrate()
        await site_service.create_site(db, key=SITE_KEY, domain="bench.example.com", timezone="UTC")
        _, secret = await token_service.create_token(
            db, name="bench", scopes=["analytics:read", "analytics:write"], site_keys=None
        )
        principal = await token_service.authenticate(db, f"Bearer {secret}")
        sites = site_service.SiteDirectory(db.reader)
        drafts = {label: goal_service.GoalDraft(**spec) for label, spec in GOALS.items()}
        for n in range(goals):
            drafts[f"listing_{n:02d}"] = goal_service.GoalDraft(
                f"Listing goal {n:02d}", "pageview", "contains", f"/product/{n}"
            )
        ids: dict[str, str] = {}
        for label, draft in drafts.items():
            goal = await goal_service.create_goal(db, sites, principal, SITE_KEY, draft)
            ids[label] = goal.id
        return secret, ids
    finally:
        await db.close()


def _base_rows(base: int, now_ms: int, rng: random.Random) -> list[Row]:
    """The shared base events (see ``Row``)."""
    rows: list[Row] = []
    visitors = max(base // 4, 10)
    for i in range(base):
        ts = now_ms - rng.randrange(365 * DAY_MS)
        visitor = rng.randrange(visitors)
        source, country = _pick(rng, SOURCES), _pick(rng, COUNTRIES)
        roll = i / base
        if roll < SIGNUP_SHARE:
            rows.append(("event", "signup", ts, visitor, None, None, source, country))
        elif roll < SIGNUP_SHARE + BLOG_SHARE:
            path = f"/blog/{rng.randrange(BLOG_POSTS)}"
            rows.append(("pageview", path, ts, visitor, None, None, source, country))
        else:
            cents = rng.randrange(500, 20_000)
            rows.append(("goal", "purchase", ts, visitor, cents * 10_000, "USD", source, country))
    return rows


def _filler_rows(count: int, now_ms: int, rng: random.Random) -> list[Row]:
    """Events that match none of the benchmark goals."""
    paths = _other_paths(rng)
    rows: list[Row] = []
    visitors = max(count // 4, 10)
    for _ in range(count):
        ts = now_ms - rng.randrange(365 * DAY_MS)
        visitor = rng.randrange(visitors)
        source, country = _pick(rng, SOURCES), _pick(rng, COUNTRIES)
        if rng.random() < 0.75:
            rows.append(("pageview", rng.choice(paths), ts, visitor, None, None, source, country))
        else:
            name = rng.choice(OTHER_EVENTS)
            rows.append(("event", name, ts, visitor, None, None, source, country))
    return rows


def _visits(
    conn: sqlite3.Connection,
    site_id: int,
    rows: list[Row],
    keys: dict[tuple[str, str | None], int],
) -> list[tuple[int, int | None, int | None]]:
    """Each row's (visit id, visit source, entry page), as goalgate derives them
    (storage.visits: a visitor's events split at gaps over 30 minutes, the
    first event's values); the visits rows are written here."""
    order = sorted(range(len(rows)), key=lambda n: (rows[n][3], rows[n][2], n))
    visit_of: list[tuple[int, int | None, int | None]] = [(0, None, None)] * len(rows)
    visits: list[list[int | None]] = []
    for n in order:
        kind, value, ts, visitor, *_, source = rows[n][:7]
        last = visits[-1] if visits else None
        if last is None or last[2] != visitor or ts - int(last[4] or 0) > 30 * 60_000:
            page = keys[(kind, value)] if kind == "pageview" else None
            source_id = keys.get(("source", source))
            last = [len(visits) + 1, site_id, visitor, ts, ts, 0, 0, source_id, page]
            visits.append(last)
        last[4] = ts
        last[5] = int(last[5] or 0) + 1
        last[6] = int(last[6] or 0) + (kind == "pageview")
        visit_of[n] = (int(last[0] or 0), last[7], last[8])
    with conn:
        conn.executemany(
            "INSERT INTO visits (id, site_id, visitor, start_ts, end_ts, events, pageviews, "
            "source_id, entry_page_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            visits,
        )
    return visit_of


def _insert(path: Path, rows: list[Row]) -> None:
    conn = sqlite3.connect(path)
    try:
        site_id = conn.execute("SELECT id FROM sites WHERE key = ?", (SITE_KEY,)).fetchone()[0]
        keys: dict[tuple[str, str | None], int] = {}
        for row in rows:
            keys.setdefault((row[0], row[1]), 0)
            for kind, label in (("source", row[6]), ("country", row[7])):
                if label is not None:
                    keys.setdefault((kind, label), 0)
        with conn:
            for kind, value in keys:
                cur = conn.execute(
                    "INSERT INTO event_keys (site_id, kind, value) VALUES (?, ?, ?)",
                    (site_id, kind, value),
                )
                keys[(kind, value)] = int(cur.lastrowid or 0)
        visit_of = _visits(conn, site_id, rows, keys)
        chunk = 50_000
        with Progress(transient=True) as progress:
            task = progress.add_task(f"filling {path.name}", total=len(rows))
            for start in range(0, len(rows), chunk):
                part = rows[start : start + chunk]
                with conn:
                    conn.executemany(
                        "INSERT INTO events (site_id, key_id, ts, visitor, revenue_micros, "
                        "revenue_currency, page_id, source_id, country_id, visit_id, "
                        "visit_source_id, entry_page_id) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        [
                            (
                                site_id,
                                keys[(k, v)],
                                ts,
                                vis,
                                rev,
                                cur,
                                keys[(k, v)] if k == "pageview" else None,
                                keys.get(("source", source)),
                                keys.get(("country", country)),
                                *visit_of[start + n],
                            )
                            for n, (k, v, ts, vis, rev, cur, source, country) in enumerate(part)
                        ],
                    )
                progress.advance(task, len(part))
        conn.execute("ANALYZE")
    finally:
        conn.close()


def build(
    directory: Path, *, base: int, total: int, now_ms: int, seed: int = 7, listing_goals: int = 20
) -> tuple[BenchDatabase, BenchDatabase]:
    """Two databases: ``base`` events, and the same plus filler up to ``total``."""
    directory.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    shared = _base_rows(base, now_ms, rng)
    filler = _filler_rows(total - base, now_ms, rng)
    built = []
    for name, rows in (("small", shared), ("large", shared + filler)):
        path = directory / f"bench-{name}.db"
        for stale in directory.glob(f"bench-{name}.db*"):
            stale.unlink()
        url = f"sqlite+aiosqlite:///{path}"
        started = time.perf_counter()
        token, ids = asyncio.run(_prepare_schema(url, goals=listing_goals))
        _insert(path, sorted(rows, key=lambda row: row[2]))
        print(f"  built {path.name}: {len(rows):,} events in {time.perf_counter() - started:.1f}s")
        built.append(BenchDatabase(path, url, token, ids, len(rows)))
    return built[0], built[1]


def build_many_paths(directory: Path, *, paths: int, now_ms: int, seed: int = 13) -> BenchDatabase:
    """A site with ``paths`` distinct pages (two views each over the last year) and 20
    goals of mixed kinds, for the preview and time-series benchmarks."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "bench-paths.db"
    for stale in directory.glob("bench-paths.db*"):
        stale.unlink()
    url = f"sqlite+aiosqlite:///{path}"
    token, _ = asyncio.run(_prepare_schema(url, goals=0))
    ids = asyncio.run(_series_goals(url, token))
    rng = random.Random(seed)
    rows: list[Row] = [
        (
            "pageview",
            f"/blog/{n}",
            now_ms - rng.randrange(365 * DAY_MS),
            rng.randrange(paths),
            None,
            None,
            None,
            None,
        )
        for n in range(paths)
        for _ in range(2)
    ]
    _insert(path, sorted(rows, key=lambda row: row[2]))
    return BenchDatabase(path, url, token, ids, len(rows))


async def _series_goals(url: str, token: str) -> dict[str, str]:
    """20 goals as a dashboard has them: mostly exact pages, a few patterns."""
    db = open_database(url)
    try:
        principal = await token_service.authenticate(db, f"Bearer {token}")
        ids: dict[str, str] = {}
        sites = site_service.SiteDirectory(db.reader)
        for n in range(20):
            spec = (
                {"match_type": "exact", "match_value": f"/blog/{n * 997}"}
                if n < 15
                else {"match_type": "regex", "match_value": rf"^/blog/{n}\d{{2}}$"}
            )
            draft = goal_service.GoalDraft(name=f"Series goal {n:02d}", type="pageview", **spec)
            goal = await goal_service.create_goal(db, sites, principal, SITE_KEY, draft)
            ids[f"series_{n:02d}"] = goal.id
        return ids
    finally:
        await db.close()

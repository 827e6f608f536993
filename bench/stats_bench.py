"""Stats latency through HTTP against raw sqlite3 over only the goal's matching events.

The floor is the least work that can give the same three numbers: a table that
holds nothing but the goal's matching events, with a covering index that leads
on the timestamp, queried in-process with no HTTP, no auth and no matching.
Each HTTP answer is also checked against the floor's numbers.

Breakdowns and filtered stats (issue #14) have their own floors: the same
work written by hand in raw sqlite3 on goalgate's own file and indexes, with
the goal's key id already known (no HTTP, no auth, no matching, no JSON):

- breakdown by source: the top 11 sources by conversions, with unique
  conversions and revenue, their labels, and the site's visitors of each of
  those sources over the period (the conversion rate's denominator);
- filtered stats: the goal's three numbers over its source = Google events.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import httpx

from bench.dataset import SITE_KEY, BenchDatabase
from bench.server import serving
from bench.timing import interleaved
from goalgate.domain.periods import resolve_period

_FLOOR_QUERY = (
    "SELECT count(*), count(DISTINCT visitor), sum(revenue_micros) FROM floor "
    "WHERE ts >= ? AND ts < ?"
)


def _floor_db(source: Path, kind: str, match: str, regex: bool) -> sqlite3.Connection:
    """A table holding only the matching events (the floor's input).

    A file beside the source, like goalgate's own database, so that both sides
    read through SQLite's page cache from the same kind of storage.
    """
    floor_path = source.with_name(f"{source.stem}-floor-{kind}.db")
    floor_path.unlink(missing_ok=True)
    conn = sqlite3.connect(floor_path)
    conn.execute(f"ATTACH DATABASE '{source}' AS src")
    if regex:
        pattern = re.compile(match)
        conn.create_function("matches", 1, lambda value: pattern.search(value) is not None)
        condition = "matches(k.value)"
    else:
        conn.create_function("matches", 1, lambda value: value == match)
        condition = "matches(k.value)"
    conn.execute(
        "CREATE TABLE floor AS SELECT e.ts, e.visitor, e.revenue_micros FROM src.events e "
        f"JOIN src.event_keys k ON k.id = e.key_id WHERE k.kind = ? AND {condition}",
        (kind,),
    )
    conn.execute("CREATE INDEX floor_ts ON floor (ts, visitor, revenue_micros)")
    conn.execute("DETACH DATABASE src")
    return conn


_BREAKDOWN_FLOOR = (
    "SELECT e.source_id, COALESCE(k.value, '(none)') AS label, e.n, e.u, e.r FROM "
    "(SELECT visit_source_id AS source_id, count(*) AS n, count(DISTINCT visitor) AS u, "
    " sum(revenue_micros) AS r FROM events WHERE site_id = ? AND key_id = ? AND ts >= ? "
    " AND ts < ? GROUP BY visit_source_id) "
    "AS e LEFT JOIN event_keys AS k ON k.id = e.source_id ORDER BY e.n DESC, label LIMIT 11"
)
_VISITORS_FLOOR = (
    "SELECT visit_source_id, count(DISTINCT visitor) FROM events WHERE site_id = ? "
    "AND ts >= ? AND ts < ? AND (visit_source_id IS NULL OR visit_source_id IN ({ids})) "
    "GROUP BY visit_source_id"
)
_FILTERED_FLOOR = (
    "SELECT count(*), count(DISTINCT visitor), sum(revenue_micros) FROM events "
    "WHERE site_id = ? AND key_id = ? AND ts >= ? AND ts < ? AND visit_source_id = ?"
)


def _ids(source: Path, kind: str, value: str) -> tuple[int, int]:
    """(site id, key id) of one dictionary entry of the bench site."""
    conn = sqlite3.connect(source)
    try:
        row = conn.execute(
            "SELECT k.site_id, k.id FROM event_keys AS k JOIN sites AS s ON s.id = k.site_id "
            "WHERE s.key = ? AND k.kind = ? AND k.value = ?",
            (SITE_KEY, kind, value),
        ).fetchone()
        return int(row[0]), int(row[1])
    finally:
        conn.close()


def measure_attribution(
    database: BenchDatabase, *, rounds: int, per_round: int
) -> dict[str, dict[str, float]]:
    """Breakdown by source and stats filtered by source, each against its raw-SQL floor."""
    start, end = _window("30d")
    site_id, signup = _ids(database.path, "event", "signup")
    _, google = _ids(database.path, "source", "Google")
    floor = sqlite3.connect(database.path)
    goal = database.goal_ids["exact_event"]
    base_url = f"/api/v1/analytics/sites/{SITE_KEY}/goals/{goal}"
    results: dict[str, dict[str, float]] = {}
    with serving(database.url) as base, httpx.Client(base_url=base, timeout=30) as client:
        headers = {"Authorization": f"Bearer {database.token}"}

        def breakdown_call() -> list[dict[str, object]]:
            response = client.get(
                f"{base_url}/breakdown",
                params={"by": "source", "period": "30d", "limit": 10},
                headers=headers,
            )
            response.raise_for_status()
            return response.json()["data"]  # type: ignore[no-any-return]

        def breakdown_floor() -> list[tuple[str, int, int, int]]:
            top = floor.execute(_BREAKDOWN_FLOOR, (site_id, signup, start, end)).fetchall()
            ids = ", ".join(str(int(row[0])) for row in top if row[0] is not None) or "NULL"
            visitors = dict(
                floor.execute(_VISITORS_FLOOR.format(ids=ids), (site_id, start, end)).fetchall()
            )
            return [(str(label), int(n), int(u), int(visitors[v])) for v, label, n, u, _ in top]

        def filtered_call() -> dict[str, object]:
            response = client.get(
                f"{base_url}/stats",
                params={"period": "30d", "filter": "source:is:Google"},
                headers=headers,
            )
            response.raise_for_status()
            return response.json()["data"]  # type: ignore[no-any-return]

        def filtered_floor() -> tuple[int, int, int | None]:
            args = (site_id, signup, start, end, google)
            return floor.execute(_FILTERED_FLOOR, args).fetchone()  # type: ignore[no-any-return]

        rows, expected_rows = breakdown_call(), breakdown_floor()
        got = [(r["value"], r["conversions"], r["unique_conversions"]) for r in rows]
        if got != [row[:3] for row in expected_rows[:10]]:
            raise AssertionError(f"breakdown: HTTP says {got}, the floor says {expected_rows}")
        answer, expected = filtered_call(), filtered_floor()
        if (answer["conversions"], answer["unique_conversions"]) != expected[:2]:
            raise AssertionError(f"filtered stats: HTTP says {answer}, the floor says {expected}")
        cases: tuple[tuple[str, Callable[[], object], Callable[[], object], int], ...] = (
            (
                "breakdown_source_30d",
                breakdown_call,
                breakdown_floor,
                sum(r[1] for r in expected_rows),
            ),
            ("filtered_stats_30d", filtered_call, filtered_floor, expected[0]),
        )
        for name, call, floor_call, size in cases:
            measured, floor_s = interleaved(call, floor_call, rounds=rounds, per_round=per_round)
            results[name] = {
                "seconds": measured,
                "floor": floor_s,
                "ratio": measured / floor_s,
                "conversions": float(size),
            }
    floor.close()
    return results


def _window(period: str) -> tuple[int, int]:
    rng = resolve_period(period, timezone="UTC", now=datetime.now(UTC))
    return rng.start_ms, rng.end_ms


def measure(database: BenchDatabase, *, rounds: int, per_round: int) -> dict[str, dict[str, float]]:
    """Median latency (s) of each stats case and of its floor, plus the answers."""
    cases = {
        "exact_event_30d": ("exact_event", "event", "signup", False, "30d"),
        "regex_pageview_12mo": ("regex_pageview", "pageview", r"^/blog/\d+$", True, "12mo"),
    }
    results: dict[str, dict[str, float]] = {}
    with serving(database.url) as base, httpx.Client(base_url=base, timeout=30) as client:
        headers = {"Authorization": f"Bearer {database.token}"}
        for name, (label, kind, match, regex, period) in cases.items():
            url = f"/api/v1/analytics/sites/{SITE_KEY}/goals/{database.goal_ids[label]}/stats"
            floor = _floor_db(database.path, kind, match, regex)
            start, end = _window(period)

            def http_call(url: str = url, period: str = period) -> dict[str, object]:
                response = client.get(url, params={"period": period}, headers=headers)
                response.raise_for_status()
                return response.json()["data"]  # type: ignore[no-any-return]

            def floor_call(
                conn: sqlite3.Connection = floor, start: int = start, end: int = end
            ) -> tuple[int, int, int | None]:
                return conn.execute(_FLOOR_QUERY, (start, end)).fetchone()  # type: ignore[no-any-return]

            answer, expected = http_call(), floor_call()
            if (answer["conversions"], answer["unique_conversions"]) != expected[:2]:
                raise AssertionError(f"{name}: HTTP says {answer}, the floor says {expected}")
            measured, floor_s = interleaved(
                http_call, floor_call, rounds=rounds, per_round=per_round
            )
            results[name] = {
                "seconds": measured,
                "floor": floor_s,
                "ratio": measured / floor_s,
                "conversions": float(expected[0]),
            }
            floor.close()
    return results

"""Stats latency through HTTP against raw sqlite3 over only the goal's matching events.

The floor is the least work that can give the same three numbers: a table that
holds nothing but the goal's matching events, with a covering index that leads
on the timestamp, queried in-process with no HTTP, no auth and no matching.
Each HTTP answer is also checked against the floor's numbers.
"""

from __future__ import annotations

import re
import sqlite3
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

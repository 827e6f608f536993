"""Visit-based reads through HTTP against raw sqlite3 doing the same work (issue #22).

On the stats benchmark's large database (goalgate's own file, schema and
indexes), over the last 30 days, each route is timed against a floor written
by hand in raw sqlite3 with everything the server must look up already known
(the site id, the goals' key ids, the labels' ids): no HTTP, no auth, no goal
matching, no period parsing, no JSON. Each HTTP answer is checked against its
floor's numbers before any timing.

- site stats: the period's events grouped by visit (visitor, pageviews), then
  each visit's row for its bounce and duration (a visit judged whole, as
  goalgate does);
- breakdown by entry page of the blog-post goal (a regex pageview goal of 400
  pages): the top 11 entry pages by conversions with unique conversions and
  revenue, their labels, and the site's visitors of each (the conversion
  rate's denominator);
- a 3-step funnel, signup then blog post then purchase: per step, the visits
  with a step-k event after their step k-1 event, counted as distinct visitors.

The dataset's events are spread at random over a year (about four a visitor),
so nearly every visit is a single event and the funnel's later steps reach
few visitors; the cost is in step 1's events and their probes for a later
step, which is the work a real funnel of that size does too.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

import httpx

from bench.dataset import SITE_KEY, BenchDatabase
from bench.server import serving
from bench.timing import interleaved
from goalgate.domain.periods import resolve_period

_SITE_STATS = (
    "WITH seen AS (SELECT visit_id, visitor, sum(CASE WHEN key_id = page_id THEN 1 ELSE 0 END) "
    "AS pageviews FROM events WHERE site_id = ? AND ts >= ? AND ts < ? "
    "GROUP BY visit_id, visitor) "
    "SELECT count(DISTINCT seen.visitor), count(*), sum(seen.pageviews), "
    "sum(CASE WHEN v.events = 1 AND v.pageviews = 1 THEN 1 ELSE 0 END), "
    "sum(v.end_ts - v.start_ts) FROM seen JOIN visits AS v ON v.id = seen.visit_id"
)
_ENTRY_BREAKDOWN = (
    "SELECT e.page, COALESCE(k.value, '(none)') AS label, e.n, e.u, e.r FROM "
    "(SELECT entry_page_id AS page, count(*) AS n, count(DISTINCT visitor) AS u, "
    " sum(revenue_micros) AS r FROM events WHERE site_id = ? AND key_id IN ({keys}) "
    " AND ts >= ? AND ts < ? GROUP BY entry_page_id) "
    "AS e LEFT JOIN event_keys AS k ON k.id = e.page ORDER BY e.n DESC, label LIMIT 11"
)
_ENTRY_VISITORS = (
    "SELECT entry_page_id, count(DISTINCT visitor) FROM events WHERE site_id = ? "
    "AND ts >= ? AND ts < ? AND COALESCE(entry_page_id, 0) IN ({ids}) "
    "GROUP BY entry_page_id"
)


def _funnel_floor(steps: Sequence[Sequence[int]]) -> str:
    """The funnel by hand: per visit, step k's first event after step k-1's, each
    found by one probe of the visitor's index (a join is planned with a Bloom
    filter over the whole table, ~35 times slower here)."""
    first = (
        "s0 AS (SELECT visit_id, visitor, min(ts) AS ts FROM events WHERE site_id = :site "
        f"AND ts >= :start AND ts < :end AND key_id IN ({_list(steps[0])}) GROUP BY visit_id)"
    )
    later = [
        f"s{k} AS (SELECT * FROM (SELECT p.visit_id, p.visitor, (SELECT min(e.ts) "
        "FROM events AS e WHERE e.site_id = :site AND e.visitor = p.visitor AND e.ts > p.ts "
        f"AND e.ts < :end AND e.visit_id = p.visit_id AND e.key_id IN ({_list(steps[k])})) "
        f"AS ts FROM s{k - 1} AS p) WHERE ts IS NOT NULL)"
        for k in range(1, len(steps))
    ]
    counts = ", ".join(f"(SELECT count(DISTINCT visitor) FROM s{k})" for k in range(len(steps)))
    return f"WITH {', '.join([first, *later])} SELECT {counts}"


def _list(ids: Sequence[int]) -> str:
    return ", ".join(str(int(n)) for n in ids)


def _window(period: str) -> tuple[int, int]:
    rng = resolve_period(period, timezone="UTC", now=datetime.now(UTC))
    return rng.start_ms, rng.end_ms


def _keys(conn: sqlite3.Connection, site_id: int, kind: str, pattern: str) -> list[int]:
    """The ids of a site's keys of ``kind`` whose value matches ``pattern`` (a goal's keys)."""
    compiled = re.compile(pattern)
    rows = conn.execute(
        "SELECT id, value FROM event_keys WHERE site_id = ? AND kind = ?", (site_id, kind)
    ).fetchall()
    return [int(key) for key, value in rows if compiled.search(value)]


def measure(database: BenchDatabase, *, rounds: int, per_round: int) -> dict[str, dict[str, float]]:
    """Median latency (s) of each visit-based read and of its floor, and its size."""
    start, end = _window("30d")
    floor = sqlite3.connect(database.path)
    site_id = int(floor.execute("SELECT id FROM sites WHERE key = ?", (SITE_KEY,)).fetchone()[0])
    signup = _keys(floor, site_id, "event", r"^signup$")
    blog = _keys(floor, site_id, "pageview", r"^/blog/\d+$")
    purchase = _keys(floor, site_id, "goal", r"^purchase$")
    funnel_sql = _funnel_floor((signup, blog, purchase))
    goal_ids = database.goal_ids
    site_url = f"/api/v1/analytics/sites/{SITE_KEY}"
    results: dict[str, dict[str, float]] = {}
    with serving(database.url) as base, httpx.Client(base_url=base, timeout=30) as client:
        headers = {"Authorization": f"Bearer {database.token}"}

        def get(url: str, params: dict[str, str | int]) -> object:
            response = client.get(url, params=params, headers=headers)
            response.raise_for_status()
            return response.json()["data"]

        def stats_call() -> object:
            return get(f"{site_url}/stats", {"period": "30d"})

        def stats_floor() -> tuple[int, int, int, int, int]:
            return floor.execute(_SITE_STATS, (site_id, start, end)).fetchone()  # type: ignore[no-any-return]

        entry_url = f"{site_url}/goals/{goal_ids['regex_pageview']}/breakdown"

        def entry_call() -> object:
            return get(entry_url, {"by": "entry_page", "period": "30d", "limit": 10})

        def entry_floor() -> list[tuple[str, int, int, int]]:
            top = floor.execute(
                _ENTRY_BREAKDOWN.format(keys=_list(blog)), (site_id, start, end)
            ).fetchall()
            # 0: events without an entry page, when "(none)" is among the top rows.
            ids = _list([row[0] or 0 for row in top])
            visitors = dict(
                floor.execute(_ENTRY_VISITORS.format(ids=ids), (site_id, start, end)).fetchall()
            )
            return [
                (str(label), int(n), int(u), int(visitors[v or None])) for v, label, n, u, _ in top
            ]

        steps = ",".join(goal_ids[name] for name in ("exact_event", "regex_pageview", "purchase"))

        def funnel_call() -> object:
            return get(f"{site_url}/funnel", {"steps": steps, "period": "30d"})

        def funnel_floor() -> tuple[int, ...]:
            args = {"site": site_id, "start": start, "end": end}
            return tuple(floor.execute(funnel_sql, args).fetchone())

        _check_stats(stats_call(), stats_floor())
        _check_entry(entry_call(), entry_floor())
        _check_funnel(funnel_call(), funnel_floor())
        cases: tuple[tuple[str, Callable[[], object], Callable[[], object], float], ...] = (
            ("site_stats_30d", stats_call, stats_floor, float(stats_floor()[0])),
            ("entry_page_breakdown_30d", entry_call, entry_floor, float(len(entry_floor()))),
            ("funnel_3_steps_30d", funnel_call, funnel_floor, float(funnel_floor()[0])),
        )
        for name, call, floor_call, size in cases:
            measured, floor_s = interleaved(call, floor_call, rounds=rounds, per_round=per_round)
            results[name] = {
                "seconds": measured,
                "floor": floor_s,
                "ratio": measured / floor_s,
                "size": size,
            }
    floor.close()
    return results


def _check_stats(answer: object, expected: tuple[int, int, int, int, int]) -> None:
    assert isinstance(answer, dict)
    visitors, visits, pageviews, bounces, duration = expected
    want = {
        "visitors": visitors,
        "visits": visits,
        "pageviews": pageviews,
        "bounce_rate": round(bounces / visits, 4),
        "visit_duration": round(duration / visits / 1000, 1),
    }
    got = {
        "visitors": answer["visitors"],
        "visits": answer["visits"],
        "pageviews": answer["pageviews"],
        "bounce_rate": round(float(answer["bounce_rate"]), 4),
        "visit_duration": round(float(answer["visit_duration"]), 1),
    }
    if got != want:
        raise AssertionError(f"site stats: HTTP says {got}, the floor says {want}")


def _check_entry(answer: object, expected: list[tuple[str, int, int, int]]) -> None:
    assert isinstance(answer, list)
    got = [(r["value"], r["conversions"], r["unique_conversions"]) for r in answer]
    if got != [row[:3] for row in expected[:10]]:
        raise AssertionError(f"entry page breakdown: HTTP says {got}, the floor says {expected}")


def _check_funnel(answer: object, expected: tuple[int, ...]) -> None:
    assert isinstance(answer, dict)
    got = tuple(step["visitors"] for step in answer["steps"])
    if got != expected:
        raise AssertionError(f"funnel: HTTP says {got}, the floor says {expected}")

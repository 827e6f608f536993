"""Insights latency on a live server: a regex preview, and 20 goals' daily series.

``measure(base_url, token, site_key, goal_ids)`` times, against a running
goalgate whose site ``site_key`` the harness has filled (100k distinct paths,
at least 20 goals), two requests, each the median of ``SAMPLES`` after a warm-up:

(a) ``POST /api/v1/analytics/sites/{key}/goals/preview`` with a regex pageview
    goal over 12 months (target: well under a second);
(b) one GraphQL request for 20 goals' ``timeseries(interval: DAY)`` over
    ``LAST_12_MONTHS`` (about 365 buckets each, one batch of statements).

The token needs analytics:read. Returns seconds (medians) and what was answered,
so a wrong answer cannot pass for a fast one.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any

import httpx

__all__ = ["measure"]

SAMPLES = 20
GOALS = 20
PREVIEW_REGEX = r"^/blog/\d+7$"

SERIES_QUERY = """
query Series($key: String!, $first: Int!) {
  site(key: $key) {
    goals(first: $first) {
      nodes {
        id
        stats(period: LAST_12_MONTHS) { conversions timeseries(interval: DAY) { conversions } }
      }
    }
  }
}
"""


def _median(call: Callable[[], object]) -> float:
    call()  # warm: connections, caches, the key mirror
    times = []
    for _ in range(SAMPLES):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _ok(response: httpx.Response) -> dict[str, Any]:
    if response.status_code >= 400:
        raise SystemExit(f"{response.request.url}: {response.status_code} {response.text[:300]}")
    body: dict[str, Any] = response.json()
    if "errors" in body:
        raise SystemExit(f"GraphQL errors: {body['errors']}")
    return body


def measure(base_url: str, token: str, site_key: str, goal_ids: dict[str, str]) -> dict[str, float]:
    """Median seconds of (a) the regex preview and (b) the 20 goals' daily series."""
    headers = {"Authorization": f"Bearer {token}"}
    preview_url = f"/api/v1/analytics/sites/{site_key}/goals/preview"
    preview_body = {"type": "pageview", "match_type": "regex", "match_value": PREVIEW_REGEX}
    variables = {"key": site_key, "first": GOALS}
    with httpx.Client(base_url=base_url, headers=headers, timeout=60.0) as client:

        def preview() -> dict[str, Any]:
            return _ok(client.post(preview_url, params={"period": "12mo"}, json=preview_body))

        def series() -> dict[str, Any]:
            return _ok(
                client.post("/graphql", json={"query": SERIES_QUERY, "variables": variables})
            )

        previewed = preview()["data"]
        nodes = series()["data"]["site"]["goals"]["nodes"]
        if len(nodes) < GOALS:
            raise SystemExit(f"{site_key} has {len(nodes)} goals; the series case needs {GOALS}")
        known = set(goal_ids.values())
        for node in nodes:
            buckets = node["stats"]["timeseries"]
            if sum(b["conversions"] for b in buckets) != node["stats"]["conversions"]:
                raise AssertionError(f"goal {node['id']}: buckets do not sum to the total")
        return {
            "preview_regex_12mo_seconds": _median(preview),
            "preview_conversions": float(previewed["conversions"]),
            "preview_top_matches": float(len(previewed["top_matches"])),
            "timeseries_20_goals_day_12mo_seconds": _median(series),
            "timeseries_buckets_per_goal": float(len(nodes[0]["stats"]["timeseries"])),
            "timeseries_goals_known": float(sum(node["id"] in known for node in nodes)),
        }

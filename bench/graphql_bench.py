"""GraphQL against REST on one live server: listing goals, and goals with their stats.

``run(base_url, token, site_key)`` measures, against a running goalgate with
seeded data, two ratios whose floor is measured in the same run:

1. throughput of the GraphQL query listing 20 goals' six documented fields
   (id name type matchType matchValue currency) against REST
   ``GET /api/v1/analytics/sites/{key}/goals`` for the same goals
   (target: GraphQL at least 0.7 of REST);
2. one GraphQL request for 20 goals with their 30-day stats against the 20 REST
   stats requests a client would otherwise make one after the other
   (target: the GraphQL request at least 5 times faster).

Each row is ``{name, value, floor, ratio, target}`` where value and floor are
operations per second (GraphQL, REST) and ratio = value / floor. The two
sides alternate in rounds so that drift (caches, CPU clocks) hits both alike.
The token needs analytics:read, and analytics:write when the site has fewer
than 20 goals (the missing ones are created, named "bench goal NN").

Standalone: ``python bench/graphql_bench.py http://127.0.0.1:8000 <token> <site_key>``.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Any

import httpx

__all__ = ["run"]

GOALS = 20
ROUNDS = 5
# Requests per side and round, and a wall-clock cap per side and round (seconds).
LIST_REQUESTS = 60
STATS_OPERATIONS = 6
ROUND_SECONDS = 3.0

LIST_QUERY = """
query Goals($key: String!, $first: Int!) {
  site(key: $key) { goals(first: $first) { nodes { id name type matchType matchValue currency } } }
}
"""

STATS_QUERY = """
query GoalStats($key: String!, $first: Int!) {
  site(key: $key) {
    goals(first: $first) {
      nodes { id stats(period: LAST_30_DAYS) { conversions uniqueConversions revenue { amount } } }
    }
  }
}
"""


def _ensure_goals(client: httpx.Client, site_key: str) -> list[dict[str, Any]]:
    """At least GOALS goals on the site; returns the site's goals, oldest first."""
    url = f"/api/v1/analytics/sites/{site_key}/goals"
    goals: list[dict[str, Any]] = _ok(client.get(url)).json()["data"]
    for n in range(len(goals), GOALS):
        body = {
            "name": f"bench goal {n:02d}",
            "type": "pageview",
            "match_type": "contains",
            "match_value": f"/bench/{n:02d}/",
        }
        _ok(client.post(url, json=body))
    if len(goals) < GOALS:
        goals = _ok(client.get(url)).json()["data"]
    if len(goals) > 100:
        raise SystemExit(f"{site_key} has {len(goals)} goals; the GraphQL page holds 100")
    return goals


def _ok(response: httpx.Response) -> httpx.Response:
    if response.status_code >= 400:
        raise SystemExit(
            f"{response.request.method} {response.request.url}: "
            f"{response.status_code} {response.text[:300]}"
        )
    return response


def _graphql(client: httpx.Client, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = _ok(
        client.post("/graphql", json={"query": query, "variables": variables})
    ).json()
    if "errors" in body:
        raise SystemExit(f"GraphQL errors: {body['errors']}")
    return body


def _rate(operation: Callable[[], None], count: int) -> tuple[int, float]:
    """Run ``operation`` up to ``count`` times (capped by ROUND_SECONDS): (runs, seconds)."""
    start = time.perf_counter()
    runs = 0
    while runs < count:
        operation()
        runs += 1
        if time.perf_counter() - start > ROUND_SECONDS:
            break
    return runs, time.perf_counter() - start


def _compare(
    graphql: Callable[[], None], rest: Callable[[], None], count: int
) -> tuple[float, float]:
    """Operations per second of each side, alternating in rounds after a warm-up."""
    for _ in range(3):
        graphql()
        rest()
    totals = {"graphql": [0, 0.0], "rest": [0, 0.0]}
    for _ in range(ROUNDS):
        for name, operation in (("graphql", graphql), ("rest", rest)):
            runs, seconds = _rate(operation, count)
            totals[name][0] += runs
            totals[name][1] += seconds
    return (
        totals["graphql"][0] / totals["graphql"][1],
        totals["rest"][0] / totals["rest"][1],
    )


def _row(name: str, value: float, floor: float, target: float) -> dict[str, Any]:
    return {
        "name": name,
        "value": round(value, 1),
        "floor": round(floor, 1),
        "ratio": round(value / floor, 2),
        "target": target,
    }


def run(base_url: str, token: str, site_key: str) -> list[dict[str, Any]]:
    """Measure both comparisons against the server at ``base_url``; see the module doc."""
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base_url, headers=headers, timeout=30.0) as client:
        goals = _ensure_goals(client, site_key)
        count = len(goals)
        variables = {"key": site_key, "first": count}
        rest_list_url = f"/api/v1/analytics/sites/{site_key}/goals"

        # Both sides must return the same goals with the same six fields.
        listed = _graphql(client, LIST_QUERY, variables)["data"]["site"]["goals"]["nodes"]
        assert [g["id"] for g in listed] == [g["id"] for g in goals]

        def graphql_list() -> None:
            _graphql(client, LIST_QUERY, variables)

        def rest_list() -> None:
            _ok(client.get(rest_list_url))

        list_gql, list_rest = _compare(graphql_list, rest_list, LIST_REQUESTS)

        stats_variables = {"key": site_key, "first": GOALS}
        stats_urls = [f"{rest_list_url}/{goal['id']}/stats?period=30d" for goal in goals[:GOALS]]

        def graphql_stats() -> None:
            _graphql(client, STATS_QUERY, stats_variables)

        def rest_stats() -> None:
            for url in stats_urls:
                _ok(client.get(url))

        stats_gql, stats_rest = _compare(graphql_stats, rest_stats, STATS_OPERATIONS)

    return [
        _row(
            f"graphql list of {count} goals (6 fields) vs REST GET goals, req/s",
            list_gql,
            list_rest,
            0.7,
        ),
        _row(
            f"one graphql request for {GOALS} goals' 30d stats vs {GOALS} REST stats "
            "requests in sequence, operations/s",
            stats_gql,
            stats_rest,
            5.0,
        ),
    ]


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print(__doc__)
        return 2
    rows = run(*argv)
    for row in rows:
        verdict = "ok" if row["ratio"] >= row["target"] else "BELOW TARGET"
        print(
            f"{row['name']}\n    graphql {row['value']}  rest {row['floor']}  "
            f"ratio {row['ratio']} (target >= {row['target']}) {verdict}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

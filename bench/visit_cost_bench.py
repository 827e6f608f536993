"""What visit tracking costs ingestion (issue #22: single events may lose at most 10%).

The same server twice, on two fresh databases prepared alike: ``goalgate
serve``, and ``bench.visits_off`` (the same CLI with visit tracking replaced by
a no-op, what goalgate wrote before visits). Runs alternate between the two,
``rounds`` times, so a burst of load from elsewhere on this shared machine hits
both alike; each figure is the median of its runs.

- single events: wrk, 32 connections, the pageview ka.js sends from a campaign
  link, each request from the next of 1,000 client addresses (1,000 anonymous
  visitors in turn, so visits are found, extended and started as on a live
  site); every acknowledged event must be stored;
- batches: ingest_bench's batches of 1,000 events of 20,000 visitors from 4
  clients (no target: the issue bounds single events).
"""

from __future__ import annotations

import asyncio
import json
import statistics
import time
from pathlib import Path

from bench import ingest_bench
from bench.http_bench import BROWSER, EVENT, events_stored, run_wrk
from bench.server import serving

VISITORS = 1000
VARIANTS = {"with": "goalgate.cli", "without": "bench.visits_off"}


def measure(directory: Path, *, seconds: float, rounds: int = 3) -> dict[str, float]:
    """Median single-event req/s and batch ev/s with and without visit tracking."""
    directory.mkdir(parents=True, exist_ok=True)
    urls = {
        name: asyncio.run(ingest_bench._fresh(directory / f"visits-{name}.db")) for name in VARIANTS
    }
    single: dict[str, list[float]] = {name: [] for name in VARIANTS}
    batched: dict[str, list[float]] = {name: [] for name in VARIANTS}
    data = ingest_bench._batches(40)
    for _ in range(rounds):
        for name, cli in VARIANTS.items():
            before = events_stored(urls[name])
            with serving(urls[name], cli=cli) as base:
                figure = run_wrk(
                    f"single_event_{name}",
                    f"{base}/api/v1/analytics/events",
                    seconds=seconds,
                    connections=32,
                    method="POST",
                    body=json.dumps(EVENT),
                    headers={"Content-Type": "text/plain", "User-Agent": BROWSER},
                    visitors=VISITORS,
                )
                started = time.perf_counter()
                asyncio.run(ingest_bench._post_all(base, data))
                batched[name].append(
                    len(data) * ingest_bench.BATCH / (time.perf_counter() - started)
                )
            stored = events_stored(urls[name]) - before - len(data) * ingest_bench.BATCH
            # wrk drops the answers in flight when its time is up: stored may exceed
            # the 202s it counted (by the warm-up's too), never fall short.
            if figure.errors or stored < figure.requests:
                raise AssertionError(
                    f"{name}: {figure.requests} acknowledged, {stored} stored, "
                    f"{figure.errors} errors"
                )
            single[name].append(figure.rps)
    result = {}
    for name in VARIANTS:
        result[f"single_{name}"] = statistics.median(single[name])
        result[f"batches_{name}"] = statistics.median(batched[name])
    result["single_ratio"] = result["single_with"] / result["single_without"]
    result["batches_ratio"] = result["batches_with"] / result["batches_without"]
    return result


if __name__ == "__main__":
    print(measure(Path("bench/out/visit-cost"), seconds=6, rounds=1))

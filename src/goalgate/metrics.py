"""The process's Prometheus metrics: defined once, updated cheaply, exposed by ``GET /metrics``.

One ``Metrics`` per process, built with its ``Runtime`` when ``GOALGATE_METRICS``
is not ``off``, with a registry of its own (two apps in one process, as in
tests, never share counts). The hot path updates a label child fetched once
and cached (a dict lookup, then a locked add), never ``labels()``.

Under ``goalgate serve --workers N`` the workers are separate processes:
``serve`` points ``PROMETHEUS_MULTIPROC_DIR`` at a directory it creates and
removes, each worker's values live in memory-mapped files there, and a scrape
(answered by any one worker) adds up every worker's files. Gauges count only
living workers: a worker removes its files when it stops, and a scrape
removes those of workers that died without stopping.

The metric names, types, labels and what to alert on are listed in
docs/monitoring.md; a change here changes that page.
"""

from __future__ import annotations

import glob
import os
from collections.abc import AsyncIterator, Collection, Mapping
from contextlib import asynccontextmanager
from time import perf_counter
from typing import Any

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client import multiprocess as prometheus_multiprocess

from goalgate.logs import route_of
from goalgate.storage.readers import Reader, Row

__all__ = [
    "CONTENT_TYPE",
    "Metrics",
    "TimedReader",
    "exposition",
    "multiprocess_dir",
    "open_subscription",
]

# Litestar adds "; charset=utf-8" to text media types.
CONTENT_TYPE = "text/plain; version=0.0.4"

# Seconds: most reads are sub-millisecond, a slow commit or aggregate is seconds.
_LATENCY_BUCKETS = (
    0.0005,
    0.001,
    0.0025,
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1.0,
    2.5,
    5.0,
    10.0,
)
# Events per group commit: from a lone request to the 5000-event bound.
_BATCH_BUCKETS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000)
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# A label value for requests the router never matched (404s, CORS preflights).
UNROUTED = "unrouted"


def multiprocess_dir() -> str | None:
    """Where the workers' values are kept under ``serve --workers N``; None with one process."""
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


class Metrics:
    """Every metric goalgate exports, for one process."""

    def __init__(self) -> None:
        # A *_created series per counter and histogram doubles the series for
        # little use (a restart shows as a reset anyway). Process-wide, idempotent.
        disable_created_metrics()  # type: ignore[no-untyped-call]
        self.registry = CollectorRegistry(auto_describe=True)
        registry = self.registry
        self.http_requests = Counter(
            "goalgate_http_requests",
            "HTTP requests answered, by method, route template and status.",
            ["method", "route", "status"],
            registry=registry,
        )
        self.http_duration = Histogram(
            "goalgate_http_request_duration_seconds",
            "Time from a request's arrival to its last response byte, by method and route.",
            ["method", "route"],
            buckets=_LATENCY_BUCKETS,
            registry=registry,
        )
        self.events_accepted = Counter(
            "goalgate_events_accepted",
            "Events committed (acknowledged with 202 on ingestion).",
            registry=registry,
        )
        self.ingest_rejected = Counter(
            "goalgate_ingest_rejected",
            "Ingestion requests refused, by reason (the error code); none of their events stored.",
            ["reason"],
            registry=registry,
        )
        self.commit_events = Histogram(
            "goalgate_group_commit_events",
            "Events written per group-commit transaction.",
            buckets=_BATCH_BUCKETS,
            registry=registry,
        )
        self.commit_duration = Histogram(
            "goalgate_group_commit_duration_seconds",
            "Time of one group-commit transaction, committed or failed.",
            buckets=_LATENCY_BUCKETS,
            registry=registry,
        )
        self.commit_failures = Counter(
            "goalgate_group_commit_failures",
            "Group-commit transactions that failed (their requests retried alone or got 503).",
            registry=registry,
        )
        self.stats_query_duration = Histogram(
            "goalgate_stats_query_duration_seconds",
            "Time of one aggregate read over events (stats, series, visitors, previews).",
            buckets=(*_LATENCY_BUCKETS, 30.0),
            registry=registry,
        )
        self.rate_limit_refusals = Counter(
            "goalgate_rate_limit_refusals",
            "Requests refused with 429, by limit (token or ingest).",
            ["limit"],
            registry=registry,
        )
        self.subscriptions_open = Gauge(
            "goalgate_subscriptions_open",
            "Live GraphQL subscriptions open now (all workers).",
            registry=registry,
            multiprocess_mode="livesum",
        )
        self.key_dictionary_keys = Gauge(
            "goalgate_key_dictionary_keys",
            "Paths and names held in this process's key dictionary (per worker: pid label).",
            registry=registry,
            multiprocess_mode="liveall",
        )
        self._request_children: dict[tuple[str, str, int], tuple[Any, Any]] = {}
        self._refusals = {
            kind: self.rate_limit_refusals.labels(kind) for kind in ("token", "ingest")
        }

    def observe_request(
        self, method: str, template: str | None, status: int, seconds: float
    ) -> str:
        """Count one answered request; returns its route label."""
        route = route_of(template) or UNROUTED
        if method not in _METHODS:
            method = "other"  # any token is a method: keep the label set bounded
        key = (method, route, status)
        children = self._request_children.get(key)
        if children is None:
            children = (
                self.http_requests.labels(method, route, str(status)),
                self.http_duration.labels(method, route),
            )
            self._request_children[key] = children
        counter, histogram = children
        counter.inc()
        histogram.observe(seconds)
        return route

    def refused(self, limit: str) -> None:
        """A request refused by the ``token`` or ``ingest`` rate limit."""
        self._refusals[limit].inc()

    def committed(self, events: int, seconds: float) -> None:
        self.commit_events.observe(events)
        self.commit_duration.observe(seconds)
        self.events_accepted.inc(events)

    def commit_failed(self, seconds: float) -> None:
        self.commit_duration.observe(seconds)
        self.commit_failures.inc()

    def keys_added(self, count: int) -> None:
        self.key_dictionary_keys.inc(count)

    def forget_process(self) -> None:
        """At a worker's stop: its gauges no longer count (counters keep its share)."""
        path = multiprocess_dir()
        if path is not None:
            prometheus_multiprocess.mark_process_dead(os.getpid(), path)  # type: ignore[no-untyped-call]


@asynccontextmanager
async def open_subscription(metrics: Metrics | None) -> AsyncIterator[None]:
    """Counts a live subscription in ``goalgate_subscriptions_open`` while it runs."""
    if metrics is None:
        yield
        return
    metrics.subscriptions_open.inc()
    try:
        yield
    finally:
        metrics.subscriptions_open.dec()


def exposition(metrics: Metrics) -> bytes:
    """The text a scrape gets: this process's registry, or every worker's files."""
    path = multiprocess_dir()
    if path is None:
        return generate_latest(metrics.registry)
    _forget_dead_workers(path)
    registry = CollectorRegistry()
    prometheus_multiprocess.MultiProcessCollector(registry, path)  # type: ignore[no-untyped-call]
    return generate_latest(registry)


def _forget_dead_workers(path: str) -> None:
    """A worker killed outright left its gauges behind; they must stop counting."""
    pids: set[int] = set()
    for name in glob.glob(os.path.join(path, "gauge_live*_*.db")):
        number = name.rsplit("_", 1)[1].removesuffix(".db")
        if number.isdigit():
            pids.add(int(number))
    for pid in pids:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            prometheus_multiprocess.mark_process_dead(pid, path)  # type: ignore[no-untyped-call]
        except PermissionError:
            pass  # alive, someone else's (a reused pid)


class TimedReader:
    """A ``Reader`` whose heavy reads (aggregates over events) are timed."""

    def __init__(self, reader: Reader, metrics: Metrics) -> None:
        self._reader = reader
        self._observe = metrics.stats_query_duration.observe
        self.dialect = reader.dialect

    async def rows(self, sql: str, params: Mapping[str, Any] | None = None) -> list[Row]:
        return await self._reader.rows(sql, params)

    async def heavy_rows(
        self, sql: str, params: Mapping[str, Any] | None = None, *, sites: Collection[int]
    ) -> list[Row]:
        started = perf_counter()
        try:
            return await self._reader.heavy_rows(sql, params, sites=sites)
        finally:
            self._observe(perf_counter() - started)

    async def close(self) -> None:
        await self._reader.close()

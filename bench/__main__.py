"""`make bench`: build the datasets, run every benchmark, print ratios against floors.

    python -m bench [--events 1000000] [--base 100000] [--rounds 5] [--per-round 20]

Each figure is a ratio against a floor measured in the same run on the same
machine, because absolute times drift on a shared machine; the table says
which target each ratio has and whether it was met.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bench import (
    dataset,
    graphql_bench,
    http_bench,
    ingest_bench,
    insights_bench,
    load_bench,
    site_bench,
    stats_bench,
    visit_cost_bench,
)
from bench.server import serving

OUT = Path(__file__).parent / "out"


@dataclass
class Row:
    name: str
    value: str
    floor: str
    ratio: float | None
    target: str
    met: bool | None

    def markdown(self) -> str:
        verdict = "—" if self.met is None else ("met" if self.met else "**missed**")
        ratio = "—" if self.ratio is None else f"{self.ratio:.2f}"
        cells = [self.name, self.value, self.floor, ratio, self.target, verdict]
        return "| " + " | ".join(cells) + " |"


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


_built: dict[str, tuple[dataset.BenchDatabase, dataset.BenchDatabase]] = {}


def datasets(args: argparse.Namespace) -> tuple[dataset.BenchDatabase, dataset.BenchDatabase]:
    """The small and large databases, built once per run."""
    if "pair" not in _built:
        now_ms = int(datetime.now(UTC).timestamp() * 1000)
        _built["pair"] = dataset.build(OUT, base=args.base, total=args.events, now_ms=now_ms)
    return _built["pair"]


def _rps(figure: http_bench.Figure) -> str:
    return f"{figure.rps:,.0f} req/s (p50 {figure.p50_ms:.1f} / p99 {figure.p99_ms:.1f} ms)"


def http_rows(args: argparse.Namespace) -> list[Row]:
    """wrk against real servers: the hot paths as ratios to /healthz (issue #10's table)."""
    figures, pg_missing = http_bench.measure(OUT / "http", seconds=args.http_seconds)
    by = {figure.name: figure for figure in figures}
    floor = by["healthz"]

    def ratio_row(name: str, key: str, over: str, target: float, label: str) -> Row:
        figure, base = by[key], by[over]
        ratio = figure.rps / base.rps
        clean = figure.errors == 0
        errors = "" if clean else f" ({figure.errors} errors)"
        return Row(
            name + errors,
            _rps(figure),
            f"{base.rps:,.0f} req/s ({label})",
            ratio,
            f"≥ {target:g}",
            ratio >= target and clean,
        )

    rows = [
        Row("GET /healthz, 1 worker (the floor)", _rps(floor), "—", 1.0, "—", None),
        ratio_row("GET /readyz (SELECT 1 through a session)", "readyz", "healthz", 0.0, "healthz"),
        ratio_row("REST list, 20 goals, SQLite", "rest_list", "healthz", 0.35, "healthz"),
        ratio_row(
            "REST list vs the naive route (same file)", "rest_list", "naive_list", 1.5, "naive"
        ),
        ratio_row(
            "GraphQL list of the same 20 goals (6 fields) vs REST",
            "graphql_list",
            "rest_list",
            0.7,
            "REST list",
        ),
    ]
    ingest, lost = by["single_event"], by["single_event_lost"]
    ratio = ingest.rps / floor.rps
    rows.append(
        Row(
            f"single anonymous event per request, 32 connections; {lost.requests:,} stored, "
            f"{int(lost.rps)} acknowledged and lost, {ingest.errors} errors",
            _rps(ingest),
            f"{floor.rps:,.0f} req/s (healthz)",
            ratio,
            "≥ 0.5, every 202 stored",
            ratio >= 0.5 and lost.rps == 0 and ingest.errors == 0,
        )
    )
    rows.append(ratio_row("GET /healthz, 2 workers vs 1", "healthz_2w", "healthz", 1.3, "1 worker"))
    rows.append(
        ratio_row("REST list, 2 workers vs 1", "rest_list_2w", "rest_list", 1.3, "1 worker")
    )
    if "pg_rest_list" in by:
        rows.append(
            ratio_row(
                "REST list, 20 goals, PostgreSQL",
                "pg_rest_list",
                "pg_healthz",
                0.35,
                "healthz on PostgreSQL's server",
            )
        )
    else:
        print(f"  http: PostgreSQL row missing: {pg_missing}")
    return rows


def stats_rows(args: argparse.Namespace) -> list[Row]:
    small, large = datasets(args)
    on_small = stats_bench.measure(small, rounds=args.rounds, per_round=args.per_round)
    on_large = stats_bench.measure(large, rounds=args.rounds, per_round=args.per_round)
    exact, regex = on_large["exact_event_30d"], on_large["regex_pageview_12mo"]
    scale = exact["seconds"] / on_small["exact_event_30d"]["seconds"]
    attribution = stats_bench.measure_attribution(
        large, rounds=args.rounds, per_round=args.per_round
    )
    breakdown, filtered = attribution["breakdown_source_30d"], attribution["filtered_stats_30d"]
    visits = site_bench.measure(large, rounds=args.rounds, per_round=args.per_round)
    site, entry = visits["site_stats_30d"], visits["entry_page_breakdown_30d"]
    funnel = visits["funnel_3_steps_30d"]
    return [
        Row(
            f"(a) stats, exact event goal, 30d, {large.events:,} events "
            f"({int(exact['conversions']):,} matching), HTTP vs raw sqlite3",
            _ms(exact["seconds"]),
            _ms(exact["floor"]),
            exact["ratio"],
            "≤ 3",
            exact["ratio"] <= 3,
        ),
        Row(
            f"(a) stats, regex pageview goal, 12mo, {large.events:,} events "
            f"({int(regex['conversions']):,} matching), HTTP vs raw sqlite3",
            _ms(regex["seconds"]),
            _ms(regex["floor"]),
            regex["ratio"],
            "≤ 1.5",
            regex["ratio"] <= 1.5,
        ),
        Row(
            f"(b) stats, exact goal at {large.events:,} vs {small.events:,} events "
            "(same matching events)",
            _ms(exact["seconds"]),
            _ms(on_small["exact_event_30d"]["seconds"]),
            scale,
            "≤ 1.5",
            scale <= 1.5,
        ),
        Row(
            f"(d) breakdown by source, exact event goal, 30d, {large.events:,} events "
            f"({int(breakdown['conversions']):,} conversions), HTTP vs raw sqlite3",
            _ms(breakdown["seconds"]),
            _ms(breakdown["floor"]),
            breakdown["ratio"],
            "≤ 2",
            breakdown["ratio"] <= 2,
        ),
        Row(
            f"(d) stats filtered by source = Google, exact event goal, 30d, {large.events:,} "
            f"events ({int(filtered['conversions']):,} matching), HTTP vs raw sqlite3",
            _ms(filtered["seconds"]),
            _ms(filtered["floor"]),
            filtered["ratio"],
            "≤ 3",
            filtered["ratio"] <= 3,
        ),
        Row(
            f"(e) site stats, 30d, {large.events:,} events ({int(site['size']):,} visitors), "
            "HTTP vs raw sqlite3",
            _ms(site["seconds"]),
            _ms(site["floor"]),
            site["ratio"],
            "≤ 2",
            site["ratio"] <= 2,
        ),
        Row(
            f"(e) breakdown by entry page, regex pageview goal, 30d, {large.events:,} events, "
            "HTTP vs raw sqlite3",
            _ms(entry["seconds"]),
            _ms(entry["floor"]),
            entry["ratio"],
            "≤ 2",
            entry["ratio"] <= 2,
        ),
        Row(
            f"(e) funnel, 3 steps, 30d, {large.events:,} events ({int(funnel['size']):,} "
            "visitors at step 1), HTTP vs raw sqlite3",
            _ms(funnel["seconds"]),
            _ms(funnel["floor"]),
            funnel["ratio"],
            "≤ 3",
            funnel["ratio"] <= 3,
        ),
    ]


def ingest_rows(args: argparse.Namespace) -> list[Row]:
    result = ingest_bench.measure(OUT, batches=args.ingest_batches)
    visits = visit_cost_bench.measure(OUT / "visit-cost", seconds=args.http_seconds)
    return [
        Row(
            f"single anonymous event per request, 32 connections, {visit_cost_bench.VISITORS:,} "
            "visitors in turn: with visit tracking vs without (same server, a no-op in its place)",
            f"{visits['single_with']:,.0f} req/s",
            f"{visits['single_without']:,.0f} req/s",
            visits["single_ratio"],
            "≥ 0.9",
            visits["single_ratio"] >= 0.9,
        ),
        Row(
            "batches of 1000 events from 4 clients: with visit tracking vs without",
            f"{visits['batches_with']:,.0f} ev/s",
            f"{visits['batches_without']:,.0f} ev/s",
            visits["batches_ratio"],
            "—",
            None,
        ),
        Row(
            f"(c) ingestion, {int(result['events']):,} events in batches of 1000 from "
            "4 clients, HTTP vs raw sqlite3 executemany",
            f"{result['http_eps']:,.0f} ev/s",
            f"{result['floor_eps']:,.0f} ev/s",
            result["ratio"],
            "≥ 0.2",
            result["ratio"] >= 0.2,
        ),
    ]


def graphql_rows(args: argparse.Namespace) -> list[Row]:
    _, large = datasets(args)
    with serving(large.url) as base:
        results = graphql_bench.run(base, large.token, dataset.SITE_KEY)
    rows = []
    for result in results:
        bound = float(result["target"])
        rows.append(
            Row(
                f"GraphQL: {result['name']}",
                f"{result['value']:.1f}/s",
                f"{result['floor']:.1f}/s",
                result["ratio"],
                f"≥ {bound:g}",
                result["ratio"] >= bound,
            )
        )
    return rows


def load_rows(args: argparse.Namespace) -> list[Row]:
    """Mixed traffic per backend and worker count; the floor is 1-worker SQLite."""
    results, pg_skipped = load_bench.measure(OUT / "load", seconds=args.load_seconds)
    floor = results[0]
    assert (floor.backend, floor.workers) == ("sqlite", 1)
    names = {"sqlite": "SQLite", "postgres": "PostgreSQL"}
    rows = []
    for result in results:
        latency = ", ".join(
            f"{kind} {result.ms(kind, 50):.0f}/{result.ms(kind, 99):.0f}"
            for kind in load_bench.KINDS
        )
        rows.append(
            Row(
                f"(d) load, {names[result.backend]}, {result.workers} worker(s), "
                f"{load_bench.CLIENTS} clients, {result.seconds:.0f} s: p50/p99 ms {latency}; "
                f"{result.errors} errors; lost {result.lost:,} of {result.acknowledged:,} "
                "acknowledged events",
                f"{result.rps:,.0f} req/s",
                f"{floor.rps:,.0f} req/s",
                result.rps / floor.rps,
                "0 errors, 0 lost",
                result.errors == 0 and result.lost == 0,
            )
        )
    print(f"  load: {load_bench.LIMITS_NOTE}")
    if pg_skipped is not None:
        print(f"  load: PostgreSQL rows missing: {pg_skipped}")
    for result in results:
        for sample in result.error_samples[:5]:
            print(f"  load error ({result.backend}, {result.workers}w): {sample}")
    return rows


def insights_rows(args: argparse.Namespace) -> list[Row]:
    now_ms = int(datetime.now(UTC).timestamp() * 1000)
    site = dataset.build_many_paths(OUT, paths=args.paths, now_ms=now_ms)
    with serving(site.url) as base:
        result = insights_bench.measure(base, site.token, dataset.SITE_KEY, site.goal_ids)
    preview = result["preview_regex_12mo_seconds"]
    series = result["timeseries_20_goals_day_12mo_seconds"]
    return [
        Row(
            f"preview: regex pageview goal over 12mo on a site with {args.paths:,} distinct "
            "paths (median after warm-up)",
            _ms(preview),
            "1 s",
            preview,
            "well under 1 s",
            preview < 0.5,
        ),
        Row(
            "timeseries: one GraphQL request, 20 goals, 12 months of DAY buckets",
            _ms(series),
            "—",
            0.0,
            "one batch of statements",
            None,
        ),
    ]


SECTIONS = {
    "http": http_rows,
    "stats": stats_rows,
    "ingest": ingest_rows,
    "graphql": graphql_rows,
    "insights": insights_rows,
    "load": load_rows,
}


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--events", type=int, default=1_000_000, help="events in the large dataset")
    parser.add_argument("--base", type=int, default=100_000, help="events in the small dataset")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--per-round", type=int, default=20)
    parser.add_argument("--ingest-batches", type=int, default=200, help="batches of 1000 events")
    parser.add_argument("--paths", type=int, default=100_000, help="distinct paths (insights)")
    parser.add_argument(
        "--load-seconds", type=float, default=20, help="traffic per load configuration"
    )
    parser.add_argument(
        "--http-seconds", type=float, default=8, help="wrk duration per figure (http section)"
    )
    parser.add_argument("--only", default=",".join(SECTIONS), help="comma-separated sections")
    args = parser.parse_args()
    if not 1000 <= args.base < args.events:
        parser.error("need 1000 <= --base < --events")

    started = time.perf_counter()
    rows: list[Row] = []
    for name in args.only.split(","):
        if name not in SECTIONS:
            parser.error(f"unknown section {name!r}; known: {', '.join(SECTIONS)}")
        print(f"{name} …", flush=True)
        rows += SECTIONS[name](args)

    header = "| benchmark | measured | floor | ratio | target | |\n|---|---|---|---|---|---|"
    table = "\n".join([header, *(row.markdown() for row in rows)])
    print()
    print(table)
    print(f"\n{time.perf_counter() - started:.0f} s in all")
    OUT.mkdir(exist_ok=True)
    (OUT / "results.md").write_text(table + "\n")


if __name__ == "__main__":
    main()

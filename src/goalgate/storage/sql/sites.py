"""Statements of a site's own numbers: visitors, visits, pageviews, bounces,
durations, their time buckets, breakdowns by visitors, and funnels."""

from __future__ import annotations

from collections.abc import Sequence

from goalgate.domain.dimensions import Dimension
from goalgate.storage.conditions import EventFilter
from goalgate.storage.dialect import Dialect
from goalgate.storage.sql.fragments import (
    SITE_RANGES,
    JsonRows,
    bucket_expression,
    filter_sql,
    ids_list,
    site_events,
    value_expression,
)

__all__ = ["SITE_PAGES", "funnel", "site_breakdown", "site_buckets", "site_totals"]

# A pageview's key is its page (domain.dimensions).
_PAGEVIEW = "CASE WHEN ev.key_id = ev.page_id THEN 1 ELSE 0 END"
# Each site range's breakdown page: how many rows, and the (visitors, label)
# of the last row before them.
SITE_PAGES = JsonRows(
    "pages",
    "pages",
    (
        ("tag", "int"),
        ("row_limit", "int"),
        ("after_visitors", "bigint"),
        ("after_label", "text"),
    ),
)


def _site_hits(dialect: Dialect, where: EventFilter, columns: str) -> str:
    """``hits AS (...)``: each site range's events that pass ``where``, with ``columns``."""
    return f"hits AS (SELECT sr.tag AS tag, {columns} {site_events(dialect)}{filter_sql(where)})"


def site_totals(dialect: Dialect, where: EventFilter) -> str:
    """(tag, visitors, visits, pageviews, bounces, total duration ms) of each site range.

    A visit counts when one of its events passes; its bounce (one event, a
    pageview) and its duration are its ``visits`` row's: the visit judged whole.
    One pass over the range's events, grouped by visit, then one lookup of
    each visit's row.
    """
    return (
        f"WITH {SITE_RANGES.cte(dialect)}, "  # noqa: S608
        "seen AS (SELECT sr.tag AS tag, ev.visit_id AS visit_id, ev.visitor AS visitor, "
        f"sum({_PAGEVIEW}) AS pageviews {site_events(dialect)}{filter_sql(where)} "
        "GROUP BY sr.tag, ev.visit_id, ev.visitor) "
        "SELECT seen.tag, count(DISTINCT seen.visitor), count(seen.visit_id), "
        "sum(seen.pageviews), "
        "sum(CASE WHEN v.events = 1 AND v.pageviews = 1 THEN 1 ELSE 0 END), "
        "sum(v.end_ts - v.start_ts) FROM seen LEFT JOIN visits AS v ON v.id = seen.visit_id "
        "GROUP BY seen.tag"
    )


def site_buckets(dialect: Dialect, where: EventFilter, starts: Sequence[int]) -> str:
    """(tag, bucket, visitors, visits) of each site range and bucket with events."""
    return (
        f"WITH {SITE_RANGES.cte(dialect)} SELECT sr.tag, {bucket_expression(starts)} AS bucket, "
        "count(DISTINCT ev.visitor), count(DISTINCT ev.visit_id) "
        f"{site_events(dialect)}{filter_sql(where)} GROUP BY sr.tag, bucket"
    )


def site_breakdown(dialect: Dialect, dimension: Dimension, where: EventFilter) -> str:
    """(tag, value id, label, visitors, visits) of each site range's page of values,
    ranked by visitors then label (byte order); the label of no value is ``:empty``."""
    label = dialect.bytewise("labelled.label")
    hits = _site_hits(
        dialect,
        where,
        "ev.visitor AS visitor, ev.visit_id AS visit_id, "
        f"{value_expression(dimension)} AS value_id",
    )
    return (
        f"WITH {SITE_RANGES.cte(dialect)}, {SITE_PAGES.cte(dialect)}, {hits}, "  # noqa: S608
        "totals AS (SELECT tag, value_id, count(DISTINCT visitor) AS visitors, "
        "count(DISTINCT visit_id) AS visits FROM hits GROUP BY tag, value_id), "
        f"labelled AS (SELECT totals.*, COALESCE(k.value, {dialect.text_parameter('empty')}) "
        "AS label FROM totals LEFT JOIN event_keys AS k ON k.id = totals.value_id), "
        "ranked AS (SELECT labelled.*, ROW_NUMBER() OVER (PARTITION BY labelled.tag "
        f"ORDER BY labelled.visitors DESC, {label}) AS position "
        "FROM labelled JOIN pages AS pg ON pg.tag = labelled.tag "
        "WHERE pg.after_visitors IS NULL OR labelled.visitors < pg.after_visitors "
        f"OR (labelled.visitors = pg.after_visitors AND {label} > pg.after_label)) "
        "SELECT ranked.tag, ranked.value_id, ranked.label, ranked.visitors, ranked.visits "
        "FROM ranked JOIN pages AS pg ON pg.tag = ranked.tag "
        "WHERE ranked.position <= pg.row_limit ORDER BY ranked.tag, ranked.position"
    )


def funnel(dialect: Dialect, steps: Sequence[Sequence[int]], where: EventFilter) -> str:
    """(visitors reaching step 1, step 2, ...) of one site's range ``:site``,
    ``:start_ms``, ``:end_ms``: step k is the first event of one of its key ids
    after step k-1's, in the same visit.

    Each later step is a correlated probe per visit that reached the previous
    one (the visitor's index from the previous step's instant), not a join:
    SQLite plans the join with a Bloom filter built by reading every event of
    the table, ~35 times slower at 1M events (docs/benchmarks.md).
    """
    # Built from constants, dictionary ids and step numbers; values are bound.
    conditions = filter_sql(where)
    first = (
        "s0 AS (SELECT ev.visit_id AS visit_id, ev.visitor AS visitor, min(ev.ts) AS ts "  # noqa: S608
        "FROM events AS ev WHERE ev.site_id = :site AND ev.ts >= :start_ms "
        f"AND ev.ts < :end_ms AND ev.key_id IN ({ids_list(steps[0])}){conditions} "
        "GROUP BY ev.visit_id, ev.visitor)"
    )
    later = [
        f"s{k} AS (SELECT reached.visit_id, reached.visitor, reached.ts FROM ("  # noqa: S608
        "SELECT p.visit_id AS visit_id, p.visitor AS visitor, (SELECT min(ev.ts) "
        "FROM events AS ev WHERE ev.site_id = :site AND ev.visitor = p.visitor "
        "AND ev.ts > p.ts AND ev.ts < :end_ms AND ev.visit_id = p.visit_id "
        f"AND ev.key_id IN ({ids_list(steps[k])}){conditions}) AS ts FROM s{k - 1} AS p) "
        "AS reached WHERE reached.ts IS NOT NULL)"
        for k in range(1, len(steps))
    ]
    counts = ", ".join(
        f"(SELECT count(DISTINCT visitor) FROM s{k})"  # noqa: S608
        for k in range(len(steps))
    )
    return f"WITH {', '.join([first, *later])} SELECT {counts}"

"""Site-level numbers: visitors, visits, pageviews, bounces, durations, funnels.

The statements are the builder's (``storage.sql``); this module binds them and
reads their rows. Every statement reads one or more (site, period) ranges of ``events`` (the
index ``ix_events_site_ts``), under a filter, as the goal statements do:
ranges arrive as rows of one JSON parameter (``site_ranges``), one statement
per distinct filter. A visit counts in a range when one of its events does
(and passes the filter); its bounce (one event, a pageview) and its duration
(last event minus first) are its ``visits`` row's, so a visit is judged
whole, whatever part of it the range holds.

A funnel follows each visit of the range through its steps: step k's instant
is the first event of one of step k's keys after step k-1's, in the same
visit; a visitor reaches step k when one of their visits does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from goalgate.domain.dimensions import Dimension
from goalgate.storage import sql
from goalgate.storage.conditions import NO_CONDITIONS, EventFilter
from goalgate.storage.readers import Reader

__all__ = [
    "SitePage",
    "SiteRange",
    "SiteTotals",
    "ValueVisits",
    "funnel_visitors",
    "site_breakdown",
    "site_buckets",
    "site_totals",
]


@dataclass(frozen=True, slots=True)
class SiteRange:
    """One question's events: a site's, in [start_ms, end_ms), that pass ``where``."""

    tag: int
    site_id: int
    start_ms: int
    end_ms: int
    where: EventFilter = NO_CONDITIONS


@dataclass(frozen=True, slots=True)
class SiteTotals:
    visitors: int
    visits: int
    pageviews: int
    # Visits of exactly one event, a pageview.
    bounces: int
    # Sum over the visits of (last event - first event), in milliseconds.
    duration_ms: int


@dataclass(frozen=True, slots=True)
class SitePage:
    """Which rows of a range's breakdown: ``limit`` rows after (visitors, label) ``after``."""

    tag: int
    limit: int
    after: tuple[int, str] | None = None


@dataclass(frozen=True, slots=True)
class ValueVisits:
    value_id: int | None  # None: events without a value
    value: str
    visitors: int
    visits: int


NO_TOTALS = SiteTotals(0, 0, 0, 0, 0)


def _by_filter(ranges: Sequence[SiteRange]) -> dict[EventFilter, list[SiteRange]]:
    groups: dict[EventFilter, list[SiteRange]] = {}
    for one in ranges:
        groups.setdefault(one.where, []).append(one)
    return groups


def _rows(ranges: Sequence[SiteRange]) -> str:
    return sql.SITE_RANGES.value([(r.tag, r.site_id, r.start_ms, r.end_ms) for r in ranges])


def _sites(ranges: Sequence[SiteRange]) -> set[int]:
    return {r.site_id for r in ranges}


async def site_totals(reader: Reader, ranges: Sequence[SiteRange]) -> dict[int, SiteTotals]:
    """Visitors, visits, pageviews, bounces and total duration per range tag."""
    found = dict.fromkeys((r.tag for r in ranges), NO_TOTALS)
    for where, asking in _by_filter(ranges).items():
        rows = await reader.heavy_rows(
            sql.site_totals(reader.dialect, where), {"rows": _rows(asking)}, sites=_sites(asking)
        )
        for tag, visitors, visits, pageviews, bounces, duration in rows:
            found[int(tag)] = SiteTotals(
                int(visitors),
                int(visits),
                int(pageviews or 0),
                int(bounces or 0),
                int(duration or 0),
            )
    return found


async def site_buckets(
    reader: Reader, ranges: Sequence[SiteRange], starts: Sequence[int]
) -> dict[int, dict[int, tuple[int, int]]]:
    """Per range tag, the (visitors, visits) of each bucket that has events.

    ``starts`` are the bucket boundaries shared by every range (same calendar
    and period), as for ``stats.aggregate_buckets``.
    """
    found: dict[int, dict[int, tuple[int, int]]] = {r.tag: {} for r in ranges}
    if not starts:
        return found
    for where, asking in _by_filter(ranges).items():
        statement = sql.site_buckets(reader.dialect, where, starts)
        rows = await reader.heavy_rows(statement, {"rows": _rows(asking)}, sites=_sites(asking))
        for tag, index, visitors, visits in rows:
            found[int(tag)][int(index)] = (int(visitors), int(visits))
    return found


async def site_breakdown(
    reader: Reader,
    ranges: Sequence[SiteRange],
    dimension: Dimension,
    pages: Sequence[SitePage],
) -> dict[int, list[ValueVisits]]:
    """Per range tag, a page of its values by visitors (most first), then value."""
    found: dict[int, list[ValueVisits]] = {r.tag: [] for r in ranges}
    page_of = {page.tag: page for page in pages}
    for where, asking in _by_filter(ranges).items():
        wanted = [page_of[r.tag] for r in asking]
        params = {
            "rows": _rows(asking),
            "pages": sql.SITE_PAGES.value(
                (p.tag, p.limit, *(p.after if p.after is not None else (None, None)))
                for p in wanted
            ),
            "empty": dimension.empty_label,
        }
        statement = sql.site_breakdown(reader.dialect, dimension, where)
        for tag, value_id, label, visitors, visits in await reader.heavy_rows(
            statement, params, sites=_sites(asking)
        ):
            found[int(tag)].append(
                ValueVisits(
                    None if value_id is None else int(value_id),
                    str(label),
                    int(visitors),
                    int(visits),
                )
            )
    return found


async def funnel_visitors(
    reader: Reader, span: SiteRange, steps: Sequence[Sequence[int]]
) -> list[int]:
    """Distinct visitors who reached each step (the key ids of its goal), in order,
    within one visit of ``span``; a step no key matches ends the funnel."""
    reached = [0] * len(steps)
    matched = 0
    while matched < len(steps) and steps[matched]:
        matched += 1
    if matched == 0:
        return reached
    statement = sql.funnel(reader.dialect, steps[:matched], span.where)
    params = {"site": span.site_id, "start_ms": span.start_ms, "end_ms": span.end_ms}
    [row] = await reader.heavy_rows(statement, params, sites=[span.site_id])
    for k, visitors in enumerate(row):
        reached[k] = int(visitors)
    return reached

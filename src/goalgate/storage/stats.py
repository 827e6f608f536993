"""The stats queries: the per-site key dictionary, and conversions aggregated by goal.

Aggregation takes any number of goals in one statement. Each goal arrives as
rows (tag, site, key id, start, end, currency) in one JSON parameter; the
statement walks those rows and, for each, the ``ix_events_site_key_ts`` index
range of its key and period, so cost follows the matching events only. One
goal alone gets a plain aggregate over its keys (no goal rows, no GROUP BY).

The statements are the SQL builder's (``storage.sql``); this module binds
their parameters and reads their rows. Every one reads events, so its cost
grows with the data: they run through ``Reader.heavy_rows``, off the event
loop.

Revenue sums are exact and cannot overflow, whatever the amounts and the
number of events (see ``domain.money`` for the per-amount bound). PostgreSQL's
``sum(bigint)`` is ``numeric``, of arbitrary precision. SQLite's ``sum()`` of
integers is a 64-bit accumulator that fails with "integer overflow" (ten
amounts of 10^12 - 1 units pass 2^63 micros), and its ``total()`` is a float,
which money never is. So on SQLite each amount is split into its four base-10^5
digits, each summed on its own (``Dialect.exact_sum``), and Python adds the
parts back with their weights (``combine``: exact integers). Each digit is
below 10^5 < 2^17, and no SQLite database can hold 2^46 events (its file is
at most 2^48 bytes and an event with revenue takes several dozen bytes over
the table and its two indexes), so no part's sum can reach 2^63.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from goalgate.storage import sql
from goalgate.storage.conditions import NO_CONDITIONS, EventFilter
from goalgate.storage.dialect import combine
from goalgate.storage.readers import Reader

__all__ = [
    "EMPTY",
    "KEYS_CHUNK",
    "Aggregate",
    "AggregateRequest",
    "ForeignRevenue",
    "aggregate_buckets",
    "aggregate_goals",
    "aggregate_of",
    "by_filter",
    "combine",
    "conversions_by_key",
    "goal_rows",
    "key_values",
    "keys_after",
    "revenue_in_other_currencies",
    "site_range_rows",
    "site_visitors",
    "sites_of",
]


@dataclass(frozen=True, slots=True)
class AggregateRequest:
    """One goal's question: these keys of this site, in [start_ms, end_ms)."""

    tag: int
    site_id: int
    key_ids: Sequence[int]
    start_ms: int
    end_ms: int
    currency: str | None
    # Conditions on the events' dimensions (filters); requests are grouped by
    # them, one statement per distinct filter.
    where: EventFilter = NO_CONDITIONS


@dataclass(frozen=True, slots=True)
class Aggregate:
    conversions: int
    unique_conversions: int
    # Sum of the revenue sent in the goal's currency, in millionths; None if none.
    revenue_micros: int | None
    # Events whose revenue is in another currency (see revenue_in_other_currencies).
    foreign: int = 0


@dataclass(frozen=True, slots=True)
class ForeignRevenue:
    """Revenue sent in one currency other than the goal's, on one UTC day."""

    tag: int
    currency: str
    day: int  # days since 1970-01-01, UTC
    bucket: int | None
    events: int
    micros: int


EMPTY = Aggregate(0, 0, None)

# Keys read per statement: a large dictionary is read in chunks, each kept as
# it arrives, so that a first look cut short by a request's read budget is
# taken up by the next request where it stopped, never started over.
KEYS_CHUNK = 50_000


def by_filter(
    requests: Sequence[AggregateRequest],
) -> dict[EventFilter, list[AggregateRequest]]:
    """Requests that ask for events, grouped by their conditions (one statement each)."""
    groups: dict[EventFilter, list[AggregateRequest]] = {}
    for request in requests:
        if request.key_ids:
            groups.setdefault(request.where, []).append(request)
    return groups


def sites_of(requests: Sequence[AggregateRequest]) -> set[int]:
    """The sites whose events the requests read (each takes a read slot)."""
    return {r.site_id for r in requests}


def goal_rows(requests: Sequence[AggregateRequest]) -> str:
    """The goal rows parameter (``sql.GOAL_KEYS``): one row per (request, key)."""
    return sql.GOAL_KEYS.value(
        (r.tag, r.site_id, key_id, r.start_ms, r.end_ms, r.currency)
        for r in requests
        for key_id in r.key_ids
    )


def site_range_rows(ranges: Sequence[tuple[int, int, int, int]]) -> str:
    """The site ranges parameter (``sql.SITE_RANGES``) from (tag, site, start, end)."""
    return sql.SITE_RANGES.value(ranges)


async def keys_after(
    reader: Reader, site_id: int, kind: str, after_id: int
) -> list[tuple[int, str]]:
    """Up to ``KEYS_CHUNK`` of the site's keys of one kind added after ``after_id``
    (the dictionary only grows), in id order.

    The first look at a site reads its whole dictionary: off the loop. Later
    looks read only what was added since, a bounded read.
    """
    params = {"site": site_id, "kind": kind, "after": after_id, "chunk": KEYS_CHUNK}
    if after_id:
        rows = await reader.rows(sql.KEYS_AFTER, params)
    else:
        rows = await reader.heavy_rows(sql.KEYS_AFTER, params, sites=[site_id])
    return [(int(row[0]), str(row[1])) for row in rows]


async def key_values(reader: Reader, site_id: int, key_ids: Sequence[int]) -> dict[int, str]:
    """The value of each of a few key ids of a site (a bounded read)."""
    if not key_ids:
        return {}
    params = {f"k{n}": int(key_id) for n, key_id in enumerate(key_ids)}
    rows = await reader.rows(sql.key_values(len(params)), {"site": site_id, **params})
    return {int(row[0]): str(row[1]) for row in rows}


async def _one_goal(reader: Reader, one: AggregateRequest) -> Aggregate:
    """One goal alone: a plain aggregate over its keys (no goal rows, no GROUP BY)."""
    params = {
        "keys": json.dumps(list(one.key_ids)),
        "site": one.site_id,
        "start_ms": one.start_ms,
        "end_ms": one.end_ms,
        "cur": one.currency,
    }
    statement = sql.one_goal_aggregate(reader.dialect, one.where)
    [measures] = await reader.heavy_rows(statement, params, sites=[one.site_id])
    return aggregate_of(measures)


async def aggregate_goals(
    reader: Reader, requests: Sequence[AggregateRequest]
) -> dict[int, Aggregate]:
    """Conversions, unique visitors and revenue per request tag, in one statement."""
    found = {r.tag: EMPTY for r in requests}
    for where, asking in by_filter(requests).items():
        if len(asking) == 1:
            found[asking[0].tag] = await _one_goal(reader, asking[0])
            continue
        result = await reader.heavy_rows(
            sql.goals_aggregate(reader.dialect, where),
            {"rows": goal_rows(asking)},
            sites=sites_of(asking),
        )
        for tag, *measures in result:
            found[int(tag)] = aggregate_of(measures)
    return found


async def aggregate_buckets(
    reader: Reader, requests: Sequence[AggregateRequest], starts: Sequence[int]
) -> dict[int, dict[int, Aggregate]]:
    """Per request tag, the aggregate of each bucket that has events, in one statement.

    ``starts`` are the bucket boundaries shared by every request (same calendar
    and period); each request's own [start_ms, end_ms) must lie within them.
    """
    found: dict[int, dict[int, Aggregate]] = {r.tag: {} for r in requests}
    if not starts:
        return found
    for where, asking in by_filter(requests).items():
        result = await reader.heavy_rows(
            sql.buckets_aggregate(reader.dialect, where, starts),
            {"rows": goal_rows(asking)},
            sites=sites_of(asking),
        )
        for tag, index, *measures in result:
            found[int(tag)][int(index)] = aggregate_of(measures)
    return found


async def revenue_in_other_currencies(
    reader: Reader,
    requests: Sequence[AggregateRequest],
    starts: Sequence[int] | None = None,
) -> list[ForeignRevenue]:
    """Revenue not in each goal's currency, by currency and UTC day (and bucket).

    The caller converts it with the rates of each day; one statement per batch.
    """
    found: list[ForeignRevenue] = []
    for where, asking in by_filter(requests).items():
        result = await reader.heavy_rows(
            sql.foreign_revenue(reader.dialect, where, starts),
            {"rows": goal_rows(asking)},
            sites=sites_of(asking),
        )
        found.extend(
            ForeignRevenue(
                int(g), str(c), int(d), None if b is None else int(b), int(n), combine(parts) or 0
            )
            for g, c, d, b, n, *parts in result
        )
    return found


async def conversions_by_key(
    reader: Reader, request: AggregateRequest, *, limit: int
) -> list[tuple[int, int]]:
    """The keys of one request with the most conversions: (key id, conversions)."""
    if not request.key_ids:
        return []
    result = await reader.heavy_rows(
        sql.conversions_by_key(reader.dialect, request.where, limit),
        {"rows": goal_rows([request])},
        sites=[request.site_id],
    )
    return [(int(key), int(count)) for key, count in result]


async def site_visitors(
    reader: Reader,
    requests: Sequence[tuple[int, int, int, int]],
    where: EventFilter = NO_CONDITIONS,
) -> dict[int, int]:
    """Distinct visitors of a site over [start, end) for each (tag, site, start, end),
    counting only the events that pass ``where``."""
    found = {tag: 0 for tag, *_ in requests}
    if not requests:
        return found
    result = await reader.heavy_rows(
        sql.site_visitors(reader.dialect, where),
        {"rows": site_range_rows(requests)},
        sites={site for _, site, _, _ in requests},
    )
    for tag, visitors in result:
        found[int(tag)] = int(visitors)
    return found


def aggregate_of(measures: Sequence[object]) -> Aggregate:
    """An Aggregate from the measure columns of the builder's aggregates."""
    conversions, uniques, foreign, *revenue = measures
    return Aggregate(
        int(conversions),  # type: ignore[call-overload]
        int(uniques),  # type: ignore[call-overload]
        combine(revenue),
        int(foreign or 0),  # type: ignore[call-overload]
    )

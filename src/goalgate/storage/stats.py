"""The stats queries: the per-site key dictionary, and conversions aggregated by goal.

Aggregation takes any number of goals in one statement. Each goal arrives as
rows (tag, site, key id, start, end, currency) in one JSON parameter; the
statement walks those rows and, for each, the ``ix_events_site_key_ts`` index
range of its key and period, so cost follows the matching events only. One
goal alone gets a plain aggregate over its keys (no goal rows, no GROUP BY).

Every statement here reads events, so its cost grows with the data: they run
through ``Reader.heavy_rows``, off the event loop.

Revenue sums are exact and cannot overflow, whatever the amounts and the
number of events (see ``domain.money`` for the per-amount bound). PostgreSQL's
``sum(bigint)`` is ``numeric``, of arbitrary precision. SQLite's ``sum()`` of
integers is a 64-bit accumulator that fails with "integer overflow" (ten
amounts of 10^12 - 1 units pass 2^63 micros), and its ``total()`` is a float,
which money never is. So on SQLite each amount is split into its four base-10^5
digits, each summed on its own, and Python adds the parts back with their
weights (exact integers). Each digit is below 10^5 < 2^17, and no SQLite
database can hold 2^46 events (its file is at most 2^48 bytes and an event with
revenue takes several dozen bytes over the table and its two indexes), so no
part's sum can reach 2^63.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from goalgate.storage import dialect
from goalgate.storage.conditions import NO_CONDITIONS, EventFilter, filter_sql
from goalgate.storage.readers import Reader

__all__ = [
    "EMPTY",
    "GOAL_KEY_FIELDS",
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
    "exact_sum",
    "goal_events",
    "goal_keys_cte",
    "goal_rows",
    "key_values",
    "keys_after",
    "revenue_in_other_currencies",
    "site_events",
    "site_range_rows",
    "site_ranges_cte",
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

_KEYS_AFTER = (
    "SELECT id, value FROM event_keys WHERE site_id = :site AND kind = :kind AND id > :after "
    "ORDER BY id LIMIT :chunk"
)
# Keys read per statement: a large dictionary is read in chunks, each kept as
# it arrives, so that a first look cut short by a request's read budget is
# taken up by the next request where it stopped, never started over.
KEYS_CHUNK = 50_000

# The goal rows, one per (goal tag, key), from one JSON parameter: CTE
# ``goal_keys``, read as ``gk`` (see ``goal_rows``).
GOAL_KEY_FIELDS = (
    ("tag", "int"),
    ("site", "int"),
    ("key_id", "int"),
    ("start_ms", "bigint"),
    ("end_ms", "bigint"),
    ("currency", "text"),
)


def goal_keys_cte(dialect_name: str) -> str:
    """``goal_keys AS (...)``, the goal rows bound to ``:rows``."""
    return dialect.json_rows(dialect_name, "goal_keys", "rows", GOAL_KEY_FIELDS)


def goal_events(dialect_name: str) -> str:
    """FROM/WHERE of each goal row's events: its key's index range over its period.

    SQLite: CROSS JOIN makes the goal rows the outer loop, so each probes the index.
    """
    if dialect.family(dialect_name) == "sqlite":
        return (
            "FROM goal_keys AS gk CROSS JOIN events AS ev WHERE ev.site_id = gk.site "
            "AND ev.key_id = gk.key_id AND ev.ts >= gk.start_ms AND ev.ts < gk.end_ms"
        )
    return (
        "FROM goal_keys AS gk JOIN events AS ev ON ev.site_id = gk.site "
        "AND ev.key_id = gk.key_id AND ev.ts >= gk.start_ms AND ev.ts < gk.end_ms"
    )


# ``{cur}``: the goal's currency, a column of the goal rows or a parameter.
_COUNTS = (
    "count(*), count(DISTINCT ev.visitor), "
    "sum(CASE WHEN ev.revenue_currency IS NOT NULL AND ({cur} IS NULL OR "
    "ev.revenue_currency <> {cur}) THEN 1 ELSE 0 END)"
)
OWN_REVENUE = "CASE WHEN ev.revenue_currency = {cur} THEN ev.revenue_micros END"
DAY_MS = 86_400_000
# SQLite: an amount's base-10^5 digits, least significant first (truncating
# division and remainder, so that the parts add back to any int64, negative too).
_PART_BASE = 100_000
_SQLITE_PARTS = (
    "({v}) % 100000",
    "({v}) / 100000 % 100000",
    "({v}) / 10000000000 % 100000",
    "({v}) / 1000000000000000",
)


def exact_sum(dialect_name: str, value: str) -> str:
    """Select-list SQL for the exact sum of ``value`` (micros): one column or four."""
    if dialect.family(dialect_name) != "sqlite":
        return f"sum({value})"  # numeric on PostgreSQL: exact, never overflows
    return ", ".join(f"sum({part.format(v=value)})" for part in _SQLITE_PARTS)


def combine(parts: Sequence[object]) -> int | None:
    """The exact sum from the columns of ``exact_sum``; None when nothing was summed."""
    if parts[0] is None:
        return None
    return sum(
        int(part) * _PART_BASE**weight  # type: ignore[call-overload]
        for weight, part in enumerate(parts)
    )


def _measures(dialect_name: str, cur: str = "gk.currency") -> str:
    """Conversions, unique visitors, foreign-revenue events, then the revenue sum columns."""
    own = OWN_REVENUE.format(cur=cur)
    return f"{_COUNTS.format(cur=cur)}, {exact_sum(dialect_name, own)}"


def _statement(dialect_name: str, select: str, group: str, condition: str = "") -> str:
    return (
        f"WITH {goal_keys_cte(dialect_name)} SELECT {select} "
        f"{goal_events(dialect_name)} {condition} GROUP BY {group}"
    )


# One goal: its keys as a JSON array, probed in the stats index one by one.
_ONE_GOAL_KEYS = {
    "sqlite": "(SELECT value FROM json_each(:keys))",
    "postgresql": "(SELECT CAST(value AS int) "
    "FROM jsonb_array_elements_text(CAST(:keys AS jsonb)))",
}


# PostgreSQL cannot type a parameter seen first in ``:cur IS NULL``: say it.
_CUR_PARAMETER = {"sqlite": ":cur", "postgresql": "CAST(:cur AS text)"}


def _one_goal_statement(dialect_name: str, where: EventFilter = NO_CONDITIONS) -> str:
    # Built from constants and dictionary ids; every other value is a bound parameter.
    family = dialect.family(dialect_name)
    return (
        f"SELECT {_measures(family, cur=_CUR_PARAMETER[family])} FROM events AS ev "  # noqa: S608
        f"WHERE ev.site_id = :site AND ev.key_id IN {_ONE_GOAL_KEYS[family]} "
        f"AND ev.ts >= :start_ms AND ev.ts < :end_ms{filter_sql(where)}"
    )


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
    """The ``:rows`` parameter of ``goal_keys_cte``: one object per (request, key)."""
    return json.dumps(
        [
            {
                "tag": r.tag,
                "site": r.site_id,
                "key_id": key_id,
                "start_ms": r.start_ms,
                "end_ms": r.end_ms,
                "currency": r.currency,
            }
            for r in requests
            for key_id in r.key_ids
        ]
    )


def _bucket_expression(starts: Sequence[int], lo: int = 0, hi: int | None = None) -> str:
    """SQL giving the index of the bucket an event's ``ts`` falls in (a binary search).

    Bucket boundaries follow the site's calendar (23- and 25-hour days, months),
    so no arithmetic on ``ts`` can find them; nested CASEs cost log2(buckets)
    comparisons per event. The boundaries are integers we computed, never input.
    """
    hi = len(starts) if hi is None else hi
    if hi - lo == 1:
        return str(lo)
    mid = (lo + hi) // 2
    return (
        f"CASE WHEN ev.ts < {int(starts[mid])} THEN {_bucket_expression(starts, lo, mid)} "
        f"ELSE {_bucket_expression(starts, mid, hi)} END"
    )


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
        rows = await reader.rows(_KEYS_AFTER, params)
    else:
        rows = await reader.heavy_rows(_KEYS_AFTER, params, sites=[site_id])
    return [(int(row[0]), str(row[1])) for row in rows]


async def key_values(reader: Reader, site_id: int, key_ids: Sequence[int]) -> dict[int, str]:
    """The value of each of a few key ids of a site (a bounded read)."""
    if not key_ids:
        return {}
    params = {f"k{n}": int(key_id) for n, key_id in enumerate(key_ids)}
    names = ", ".join(f":{name}" for name in params)
    sql = f"SELECT id, value FROM event_keys WHERE site_id = :site AND id IN ({names})"  # noqa: S608
    rows = await reader.rows(sql, {"site": site_id, **params})
    return {int(row[0]): str(row[1]) for row in rows}


async def aggregate_goals(
    reader: Reader, requests: Sequence[AggregateRequest]
) -> dict[int, Aggregate]:
    """Conversions, unique visitors and revenue per request tag, in one statement."""
    found = {r.tag: EMPTY for r in requests}
    backend = reader.dialect
    for where, asking in by_filter(requests).items():
        if len(asking) == 1:
            [one] = asking
            params = {
                "keys": json.dumps(list(one.key_ids)),
                "site": one.site_id,
                "start_ms": one.start_ms,
                "end_ms": one.end_ms,
                "cur": one.currency,
            }
            [measures] = await reader.heavy_rows(
                _one_goal_statement(backend, where), params, sites=[one.site_id]
            )
            found[one.tag] = aggregate_of(measures)
            continue
        statement = _statement(
            backend, f"gk.tag, {_measures(backend)}", "gk.tag", filter_sql(where)
        )
        result = await reader.heavy_rows(
            statement, {"rows": goal_rows(asking)}, sites=sites_of(asking)
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
    backend = reader.dialect
    bucket = _bucket_expression(starts)
    for where, asking in by_filter(requests).items():
        statement = _statement(
            backend,
            f"gk.tag, {bucket} AS bucket, {_measures(backend)}",
            "gk.tag, bucket",
            filter_sql(where),
        )
        result = await reader.heavy_rows(
            statement, {"rows": goal_rows(asking)}, sites=sites_of(asking)
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
    backend = reader.dialect
    bucket = _bucket_expression(starts) if starts else "NULL"
    select = (
        f"gk.tag, ev.revenue_currency, ev.ts / {DAY_MS} AS day, {bucket} AS bucket, "
        f"count(*), {exact_sum(backend, 'ev.revenue_micros')}"
    )
    found: list[ForeignRevenue] = []
    for where, asking in by_filter(requests).items():
        condition = (
            "AND ev.revenue_currency IS NOT NULL AND "
            f"(gk.currency IS NULL OR ev.revenue_currency <> gk.currency){filter_sql(where)}"
        )
        group = "gk.tag, ev.revenue_currency, day, bucket"
        statement = _statement(backend, select, group, condition)
        result = await reader.heavy_rows(
            statement, {"rows": goal_rows(asking)}, sites=sites_of(asking)
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
    statement = _statement(
        reader.dialect, "gk.key_id, count(*) AS n", "gk.key_id", filter_sql(request.where)
    )
    statement = f"{statement} ORDER BY n DESC, gk.key_id LIMIT {int(limit)}"
    result = await reader.heavy_rows(
        statement, {"rows": goal_rows([request])}, sites=[request.site_id]
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
    family = dialect.family(reader.dialect)
    source = (
        f"WITH {site_ranges_cte(family)} SELECT sr.tag, count(DISTINCT ev.visitor) "
        f"{site_events(family)}{filter_sql(where)} GROUP BY sr.tag"
    )
    rows = site_range_rows(requests)
    result = await reader.heavy_rows(
        source, {"rows": rows}, sites={site for _, site, _, _ in requests}
    )
    for tag, visitors in result:
        found[int(tag)] = int(visitors)
    return found


_SITE_RANGE_FIELDS = (("tag", "int"), ("site", "int"), ("start_ms", "bigint"), ("end_ms", "bigint"))


def site_ranges_cte(dialect_name: str) -> str:
    """``site_ranges AS (...)``: (tag, site, start_ms, end_ms) rows bound to ``:rows``."""
    return dialect.json_rows(dialect_name, "site_ranges", "rows", _SITE_RANGE_FIELDS)


def site_events(dialect_name: str) -> str:
    """FROM/ON of each site range's events (``ix_events_site_ts``), conditions to follow."""
    join = "CROSS JOIN" if dialect.family(dialect_name) == "sqlite" else "JOIN"
    return (
        f"FROM site_ranges AS sr {join} events AS ev ON ev.site_id = sr.site "
        "AND ev.ts >= sr.start_ms AND ev.ts < sr.end_ms"
    )


def site_range_rows(ranges: Sequence[tuple[int, int, int, int]]) -> str:
    """The ``:rows`` parameter of ``site_ranges_cte`` from (tag, site, start, end)."""
    return json.dumps(
        [{"tag": t, "site": site, "start_ms": s, "end_ms": e} for t, site, s, e in ranges]
    )


def aggregate_of(measures: Sequence[object]) -> Aggregate:
    """An Aggregate from the columns of ``_measures``."""
    conversions, uniques, foreign, *revenue = measures
    return Aggregate(
        int(conversions),  # type: ignore[call-overload]
        int(uniques),  # type: ignore[call-overload]
        combine(revenue),
        int(foreign or 0),  # type: ignore[call-overload]
    )

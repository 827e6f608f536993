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

from goalgate.storage.conditions import NO_CONDITIONS, EventFilter, filter_sql
from goalgate.storage.db import Reader

__all__ = [
    "EMPTY",
    "Aggregate",
    "AggregateRequest",
    "ForeignRevenue",
    "aggregate_buckets",
    "aggregate_goals",
    "by_filter",
    "conversions_by_key",
    "key_values",
    "keys_after",
    "revenue_in_other_currencies",
    "site_visitors",
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
    "ORDER BY id"
)

# The goal rows, one per (goal tag, key), from one JSON parameter.
_ROWS_SQLITE = """
    WITH m AS (
        SELECT json_extract(value, '$.g') AS g, json_extract(value, '$.site') AS site,
               json_extract(value, '$.k') AS k, json_extract(value, '$.s') AS s,
               json_extract(value, '$.e') AS e, json_extract(value, '$.cur') AS cur
        FROM json_each(:rows)
    )
"""
_ROWS_POSTGRES = """
    WITH m AS (
        SELECT * FROM jsonb_to_recordset(CAST(:rows AS jsonb))
            AS x(g int, site int, k int, s bigint, e bigint, cur text)
    )
"""
# SQLite: CROSS JOIN makes the goal rows the outer loop, so each probes the index.
_JOIN = {
    "sqlite": "FROM m CROSS JOIN events AS ev WHERE ev.site_id = m.site AND ev.key_id = m.k "
    "AND ev.ts >= m.s AND ev.ts < m.e",
    "postgresql": "FROM m JOIN events AS ev ON ev.site_id = m.site AND ev.key_id = m.k "
    "AND ev.ts >= m.s AND ev.ts < m.e",
}
# ``{cur}``: the goal's currency, a column of the goal rows or a parameter.
_COUNTS = (
    "count(*), count(DISTINCT ev.visitor), "
    "sum(CASE WHEN ev.revenue_currency IS NOT NULL AND ({cur} IS NULL OR "
    "ev.revenue_currency <> {cur}) THEN 1 ELSE 0 END)"
)
_OWN_REVENUE = "CASE WHEN ev.revenue_currency = {cur} THEN ev.revenue_micros END"
_DAY_MS = 86_400_000
# SQLite: an amount's base-10^5 digits, least significant first (truncating
# division and remainder, so that the parts add back to any int64, negative too).
_PART_BASE = 100_000
_SQLITE_PARTS = (
    "({v}) % 100000",
    "({v}) / 100000 % 100000",
    "({v}) / 10000000000 % 100000",
    "({v}) / 1000000000000000",
)


def _exact_sum(dialect: str, value: str) -> str:
    """Select-list SQL for the exact sum of ``value`` (micros): one column or four."""
    if dialect != "sqlite":
        return f"sum({value})"  # numeric on PostgreSQL: exact, never overflows
    return ", ".join(f"sum({part.format(v=value)})" for part in _SQLITE_PARTS)


def _combine(parts: Sequence[object]) -> int | None:
    """The exact sum from the columns of ``_exact_sum``; None when nothing was summed."""
    if parts[0] is None:
        return None
    return sum(
        int(part) * _PART_BASE**weight  # type: ignore[call-overload]
        for weight, part in enumerate(parts)
    )


def _measures(dialect: str, cur: str = "m.cur") -> str:
    """Conversions, unique visitors, foreign-revenue events, then the revenue sum columns."""
    return f"{_COUNTS.format(cur=cur)}, {_exact_sum(dialect, _OWN_REVENUE.format(cur=cur))}"


def _statement(dialect: str, select: str, group: str, condition: str = "") -> str:
    rows = _ROWS_SQLITE if dialect == "sqlite" else _ROWS_POSTGRES
    join = _JOIN["sqlite" if dialect == "sqlite" else "postgresql"]
    return f"{rows} SELECT {select} {join} {condition} GROUP BY {group}"


# One goal: its keys as a JSON array, probed in the stats index one by one.
_ONE_GOAL_KEYS = {
    "sqlite": "(SELECT value FROM json_each(:keys))",
    "postgresql": "(SELECT CAST(value AS int) "
    "FROM jsonb_array_elements_text(CAST(:keys AS jsonb)))",
}


# PostgreSQL cannot type a parameter seen first in ``:cur IS NULL``: say it.
_CUR_PARAMETER = {"sqlite": ":cur", "postgresql": "CAST(:cur AS text)"}


def _one_goal_statement(dialect: str, where: EventFilter = NO_CONDITIONS) -> str:
    # Built from constants and dictionary ids; every other value is a bound parameter.
    return (
        f"SELECT {_measures(dialect, cur=_CUR_PARAMETER[dialect])} FROM events AS ev "  # noqa: S608
        f"WHERE ev.site_id = :site AND ev.key_id IN {_ONE_GOAL_KEYS[dialect]} "
        f"AND ev.ts >= :s AND ev.ts < :e{filter_sql(where)}"
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


def _goal_rows(requests: Sequence[AggregateRequest]) -> str:
    return json.dumps(
        [
            {
                "g": r.tag,
                "site": r.site_id,
                "k": k,
                "s": r.start_ms,
                "e": r.end_ms,
                "cur": r.currency,
            }
            for r in requests
            for k in r.key_ids
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
    """The site's keys of one kind added after ``after_id`` (the dictionary only grows).

    The first look at a site reads its whole dictionary: off the loop. Later
    looks read only what was added since, a bounded read.
    """
    params = {"site": site_id, "kind": kind, "after": after_id}
    read = reader.rows if after_id else reader.heavy_rows
    return [(int(row[0]), str(row[1])) for row in await read(_KEYS_AFTER, params)]


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
    dialect = _family(reader)
    for where, asking in by_filter(requests).items():
        if len(asking) == 1:
            [one] = asking
            params = {
                "keys": json.dumps(list(one.key_ids)),
                "site": one.site_id,
                "s": one.start_ms,
                "e": one.end_ms,
                "cur": one.currency,
            }
            [measures] = await reader.heavy_rows(_one_goal_statement(dialect, where), params)
            found[one.tag] = _aggregate(measures)
            continue
        statement = _statement(dialect, f"m.g, {_measures(dialect)}", "m.g", filter_sql(where))
        result = await reader.heavy_rows(statement, {"rows": _goal_rows(asking)})
        for tag, *measures in result:
            found[int(tag)] = _aggregate(measures)
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
    dialect = _family(reader)
    bucket = _bucket_expression(starts)
    for where, asking in by_filter(requests).items():
        statement = _statement(
            dialect, f"m.g, {bucket} AS b, {_measures(dialect)}", "m.g, b", filter_sql(where)
        )
        result = await reader.heavy_rows(statement, {"rows": _goal_rows(asking)})
        for tag, index, *measures in result:
            found[int(tag)][int(index)] = _aggregate(measures)
    return found


async def revenue_in_other_currencies(
    reader: Reader,
    requests: Sequence[AggregateRequest],
    starts: Sequence[int] | None = None,
) -> list[ForeignRevenue]:
    """Revenue not in each goal's currency, by currency and UTC day (and bucket).

    The caller converts it with the rates of each day; one statement per batch.
    """
    dialect = _family(reader)
    bucket = _bucket_expression(starts) if starts else "NULL"
    select = (
        f"m.g, ev.revenue_currency, ev.ts / {_DAY_MS} AS d, {bucket} AS b, "
        f"count(*), {_exact_sum(dialect, 'ev.revenue_micros')}"
    )
    found: list[ForeignRevenue] = []
    for where, asking in by_filter(requests).items():
        condition = (
            "AND ev.revenue_currency IS NOT NULL AND "
            f"(m.cur IS NULL OR ev.revenue_currency <> m.cur){filter_sql(where)}"
        )
        statement = _statement(dialect, select, "m.g, ev.revenue_currency, d, b", condition)
        result = await reader.heavy_rows(statement, {"rows": _goal_rows(asking)})
        found.extend(
            ForeignRevenue(
                int(g), str(c), int(d), None if b is None else int(b), int(n), _combine(parts) or 0
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
    statement = _statement(_family(reader), "m.k, count(*) AS n", "m.k", filter_sql(request.where))
    statement = f"{statement} ORDER BY n DESC, m.k LIMIT {int(limit)}"
    result = await reader.heavy_rows(statement, {"rows": _goal_rows([request])})
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
    rows = json.dumps([{"g": t, "site": site, "s": s, "e": e} for t, site, s, e in requests])
    condition = filter_sql(where)
    if reader.dialect == "sqlite":
        source = (
            "WITH r AS (SELECT json_extract(value, '$.g') AS g, "  # noqa: S608 (ids, constants)
            "json_extract(value, '$.site') AS site, json_extract(value, '$.s') AS s, "
            "json_extract(value, '$.e') AS e FROM json_each(:rows)) "
            "SELECT r.g, count(DISTINCT ev.visitor) FROM r CROSS JOIN events AS ev "
            f"WHERE ev.site_id = r.site AND ev.ts >= r.s AND ev.ts < r.e{condition} GROUP BY r.g"
        )
    else:
        source = (
            "WITH r AS (SELECT * FROM jsonb_to_recordset(CAST(:rows AS jsonb)) "  # noqa: S608
            "AS x(g int, site int, s bigint, e bigint)) "
            "SELECT r.g, count(DISTINCT ev.visitor) FROM r JOIN events AS ev "
            f"ON ev.site_id = r.site AND ev.ts >= r.s AND ev.ts < r.e{condition} GROUP BY r.g"
        )
    result = await reader.heavy_rows(source, {"rows": rows})
    for tag, visitors in result:
        found[int(tag)] = int(visitors)
    return found


def _family(reader: Reader) -> str:
    return "sqlite" if reader.dialect == "sqlite" else "postgresql"


def _aggregate(measures: Sequence[object]) -> Aggregate:
    """An Aggregate from the columns of ``_measures``."""
    conversions, uniques, foreign, *revenue = measures
    return Aggregate(
        int(conversions),  # type: ignore[call-overload]
        int(uniques),  # type: ignore[call-overload]
        _combine(revenue),
        int(foreign or 0),  # type: ignore[call-overload]
    )

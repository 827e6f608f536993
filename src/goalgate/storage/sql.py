"""The SQL builder: the text of every statement storage sends to a ``Reader`` or appends with.

The query modules (``stats``, ``breakdowns``, ``rates``, ``events``'s
appender) bind parameters, run statements and read rows; the statements
themselves are composed here from a few fragments (the goal rows, their
events, the measures, a filter's conditions), and each fragment that differs
by backend is asked of the ``Dialect`` (``storage.dialect``). Adding a
backend touches ``dialect.py``, never this module's callers.

Why a small builder of our own rather than SQLAlchemy Core: these statements
run on the raw drivers (``storage.readers``: sqlite3 inline or on threads,
asyncpg's pool), which take text, because SQLAlchemy's execution path costs
several times the statement itself on the hot reads. Core would only be a
compiler here, re-run for each shape of statement (filters, buckets and
dimensions make the shapes many, so its cache helps little), and the
statements lean on what Core spells awkwardly: CTEs of typed JSON rows,
``ROW_NUMBER() OVER``, correlated ``LIMIT 1`` probes, ``CROSS JOIN`` to pin
SQLite's loop order. Plain text, composed from named fragments, stays
readable in ``EXPLAIN`` and in the logs. The ORM and Core remain the way to
write rows (sessions, ``Dialect.insert``).

Every value from a request is a bound parameter; what is written into the text
is constant, or integers computed here (bucket boundaries, dictionary ids).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from goalgate.domain.dimensions import STORED, Dimension
from goalgate.storage.conditions import Condition, EventFilter
from goalgate.storage.dialect import Dialect
from goalgate.storage.visits import EVENT_VISIT_COLUMNS, event_visit_column

__all__ = [
    "ASKED",
    "DAY_MS",
    "DIMENSION_COLUMNS",
    "GOAL_KEYS",
    "INSERT_EVENT",
    "INSERT_KEYS",
    "KEYS_AFTER",
    "KEY_ID",
    "NO_VALUE",
    "PAGES",
    "SITE_PAGES",
    "SITE_RANGES",
    "WANTED",
    "JsonRows",
    "breakdown",
    "buckets_aggregate",
    "conversions_by_key",
    "filter_sql",
    "foreign_revenue",
    "foreign_revenue_by_value",
    "funnel",
    "goals_aggregate",
    "key_values",
    "one_goal_aggregate",
    "rates_in_force",
    "site_breakdown",
    "site_buckets",
    "site_totals",
    "site_visitors",
    "value_expression",
    "visitors_by_value",
]

DAY_MS = 86_400_000
# The bucket (or value id) of events without a value (ids start at 1).
NO_VALUE = 0


@dataclass(frozen=True, slots=True)
class JsonRows:
    """Typed rows that reach a statement as one JSON parameter: a CTE and its value.

    One parameter rather than one per value: a batch of goals, ranges or
    rates stays one statement of one shape, whatever its size.
    """

    name: str
    parameter: str
    # (field, type): type is int, bigint or text.
    fields: tuple[tuple[str, str], ...]

    def cte(self, dialect: Dialect) -> str:
        """``name AS (...)``, the rows bound to ``:parameter``."""
        return dialect.json_rows(self.name, self.parameter, self.fields)

    def value(self, rows: Iterable[Sequence[object]]) -> str:
        """The parameter's value: one object per row, its fields in ``fields`` order."""
        names = [field for field, _ in self.fields]
        return json.dumps([dict(zip(names, row, strict=True)) for row in rows])


# One row per (goal tag, key), read as ``gk``.
GOAL_KEYS = JsonRows(
    "goal_keys",
    "rows",
    (
        ("tag", "int"),
        ("site", "int"),
        ("key_id", "int"),
        ("start_ms", "bigint"),
        ("end_ms", "bigint"),
        ("currency", "text"),
    ),
)
# One row per (tag, site, start, end), read as ``sr``.
SITE_RANGES = JsonRows(
    "site_ranges",
    "rows",
    (("tag", "int"), ("site", "int"), ("start_ms", "bigint"), ("end_ms", "bigint")),
)
# Each goal's breakdown page: how many rows, and the (conversions, label) of
# the last row before them.
PAGES = JsonRows(
    "pages",
    "pages",
    (
        ("tag", "int"),
        ("row_limit", "int"),
        ("after_conversions", "bigint"),
        ("after_label", "text"),
    ),
)
# The (goal tag, value id) pairs whose revenue or visitors are asked.
WANTED = JsonRows("wanted", "wanted", (("tag", "int"), ("value_id", "bigint")))
# The (currency, day) pairs whose rates are asked.
ASKED = JsonRows("asked", "rows", (("currency", "text"), ("day", "text")))


# --- the key dictionary ------------------------------------------------------------

KEYS_AFTER = (
    "SELECT id, value FROM event_keys WHERE site_id = :site AND kind = :kind AND id > :after "
    "ORDER BY id LIMIT :chunk"
)


def key_values(count: int) -> str:
    """The (id, value) of ``count`` key ids of a site, bound to ``:site`` and ``:k0``..."""
    names = ", ".join(f":k{n}" for n in range(count))
    return f"SELECT id, value FROM event_keys WHERE site_id = :site AND id IN ({names})"  # noqa: S608


# --- filters: conditions on the dimension columns of events --------------------------


def value_expression(dimension: Dimension, alias: str = "ev") -> str:
    """SQL for an event's value id of ``dimension`` (NULL when it has none).

    Where the visit came from (source, referrer domain, campaign tags, entry
    page) is the visit's: a column of the event's row, written with it
    (``storage.visits``). Page, country, device, browser and OS are the event's own.
    """
    if dimension.per_visit:
        return f"{alias}.{event_visit_column(dimension)}"
    return f"{alias}.{dimension.column}"


def _ids(ids: Sequence[int]) -> str:
    return ", ".join(str(int(i)) for i in sorted(set(ids)))


def _condition_sql(condition: Condition, alias: str) -> str:
    value = value_expression(condition.dimension, alias)
    if condition.negate:
        parts = []
        if condition.ids:
            parts.append(f"({value} IS NULL OR {value} NOT IN ({_ids(condition.ids)}))")
        if condition.empty:
            parts.append(f"{value} IS NOT NULL")
        return "(" + " AND ".join(parts) + ")" if parts else "1 = 1"
    parts = []
    if condition.ids:
        parts.append(f"{value} IN ({_ids(condition.ids)})")
    if condition.empty:
        parts.append(f"{value} IS NULL")
    # Values no event has: nothing matches.
    return "(" + " OR ".join(parts) + ")" if parts else "1 = 0"


def filter_sql(where: EventFilter, alias: str = "ev") -> str:
    """`` AND ...`` for each condition (empty without any)."""
    return "".join(f" AND {_condition_sql(c, alias)}" for c in where)


# --- the goals' events and their measures ---------------------------------------------


def goal_events(dialect: Dialect) -> str:
    """FROM/ON of each goal row's events: its key's index range over its period
    (``ix_events_site_key_ts``); conditions may follow, as `` AND ...``."""
    return (
        f"FROM goal_keys AS gk {dialect.index_join} events AS ev ON ev.site_id = gk.site "
        "AND ev.key_id = gk.key_id AND ev.ts >= gk.start_ms AND ev.ts < gk.end_ms"
    )


def site_events(dialect: Dialect) -> str:
    """FROM/ON of each site range's events (``ix_events_site_ts``), conditions to follow."""
    return (
        f"FROM site_ranges AS sr {dialect.index_join} events AS ev ON ev.site_id = sr.site "
        "AND ev.ts >= sr.start_ms AND ev.ts < sr.end_ms"
    )


def _own_revenue(currency: str) -> str:
    return f"CASE WHEN ev.revenue_currency = {currency} THEN ev.revenue_micros END"


def _foreign_events(currency: str) -> str:
    return (
        "sum(CASE WHEN ev.revenue_currency IS NOT NULL AND "
        f"({currency} IS NULL OR ev.revenue_currency <> {currency}) THEN 1 ELSE 0 END)"
    )


def _foreign_revenue(currency: str) -> str:
    """`` AND ...``: events whose revenue is in a currency other than ``currency``."""
    return (
        " AND ev.revenue_currency IS NOT NULL "
        f"AND ({currency} IS NULL OR ev.revenue_currency <> {currency})"
    )


def _measures(dialect: Dialect, currency: str = "gk.currency") -> str:
    """Conversions, unique visitors, foreign-revenue events, then the revenue sum columns
    (read back by ``storage.stats.aggregate_of``)."""
    sums = dialect.exact_sum(_own_revenue(currency))
    return ", ".join(["count(*)", "count(DISTINCT ev.visitor)", _foreign_events(currency), *sums])


def _over_goal_rows(dialect: Dialect, select: str, condition: str, group: str) -> str:
    return (
        f"WITH {GOAL_KEYS.cte(dialect)} SELECT {select} "
        f"{goal_events(dialect)}{condition} GROUP BY {group}"
    )


def one_goal_aggregate(dialect: Dialect, where: EventFilter) -> str:
    """One goal's measures: its keys (``:keys``, a JSON array) of ``:site`` over
    [``:start_ms``, ``:end_ms``), its currency ``:cur``; no goal rows, no GROUP BY."""
    return (
        f"SELECT {_measures(dialect, dialect.text_parameter('cur'))} "  # noqa: S608
        f"FROM events AS ev WHERE ev.site_id = :site AND ev.key_id IN {dialect.json_ints('keys')} "
        f"AND ev.ts >= :start_ms AND ev.ts < :end_ms{filter_sql(where)}"
    )


def goals_aggregate(dialect: Dialect, where: EventFilter) -> str:
    """(tag, measures...) of each goal of the goal rows."""
    return _over_goal_rows(dialect, f"gk.tag, {_measures(dialect)}", filter_sql(where), "gk.tag")


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


def buckets_aggregate(dialect: Dialect, where: EventFilter, starts: Sequence[int]) -> str:
    """(tag, bucket, measures...) of each goal and bucket with events."""
    select = f"gk.tag, {_bucket_expression(starts)} AS bucket, {_measures(dialect)}"
    return _over_goal_rows(dialect, select, filter_sql(where), "gk.tag, bucket")


def foreign_revenue(dialect: Dialect, where: EventFilter, starts: Sequence[int] | None) -> str:
    """(tag, currency, UTC day, bucket or NULL, events, sums...) of the revenue not in
    each goal's currency."""
    bucket = _bucket_expression(starts) if starts else "NULL"
    sums = ", ".join(dialect.exact_sum("ev.revenue_micros"))
    select = (
        f"gk.tag, ev.revenue_currency, ev.ts / {DAY_MS} AS day, {bucket} AS bucket, "
        f"count(*), {sums}"
    )
    condition = _foreign_revenue("gk.currency") + filter_sql(where)
    return _over_goal_rows(dialect, select, condition, "gk.tag, ev.revenue_currency, day, bucket")


def conversions_by_key(dialect: Dialect, where: EventFilter, limit: int) -> str:
    """(key id, conversions) of the goal rows' keys with the most conversions."""
    statement = _over_goal_rows(dialect, "gk.key_id, count(*) AS n", filter_sql(where), "gk.key_id")
    return f"{statement} ORDER BY n DESC, gk.key_id LIMIT {int(limit)}"


def site_visitors(dialect: Dialect, where: EventFilter) -> str:
    """(tag, distinct visitors) of each site range, over the events passing ``where``."""
    return (
        f"WITH {SITE_RANGES.cte(dialect)} SELECT sr.tag, count(DISTINCT ev.visitor) "
        f"{site_events(dialect)}{filter_sql(where)} GROUP BY sr.tag"
    )


# --- breakdowns: the goals' events grouped by the value of one dimension -------------------


def _valued_events(dialect: Dialect, dimension: Dimension, condition: str) -> str:
    """The goals' matching events with their value id of ``dimension`` as ``value_id``."""
    return (
        "(SELECT gk.tag AS tag, gk.currency AS currency, ev.visitor AS visitor, ev.ts AS ts, "
        "ev.revenue_currency AS revenue_currency, ev.revenue_micros AS revenue_micros, "
        f"{value_expression(dimension)} AS value_id "
        f"{goal_events(dialect)}{condition}) AS ev"
    )


def breakdown(dialect: Dialect, dimension: Dimension, where: EventFilter) -> str:
    """(tag, value id, label, measures...) of each goal's page of values, ranked by
    conversions then label (byte order); the label of no value is ``:empty``."""
    sums = dialect.exact_sum(_own_revenue("ev.currency"))
    named = ", ".join(f"{part} AS revenue{n}" for n, part in enumerate(sums))
    columns = ", ".join(f"ranked.revenue{n}" for n in range(len(sums)))
    label = dialect.bytewise("labelled.label")
    return (
        f"WITH {GOAL_KEYS.cte(dialect)}, {PAGES.cte(dialect)}, "  # noqa: S608
        "totals AS (SELECT ev.tag AS tag, ev.value_id AS value_id, count(*) AS conversions, "
        "count(DISTINCT ev.visitor) AS uniques, "
        f"{_foreign_events('ev.currency')} AS foreign_events, {named} "
        f"FROM {_valued_events(dialect, dimension, filter_sql(where))} "
        "GROUP BY ev.tag, ev.value_id), "
        f"labelled AS (SELECT totals.*, COALESCE(k.value, {dialect.text_parameter('empty')}) "
        "AS label FROM totals LEFT JOIN event_keys AS k ON k.id = totals.value_id), "
        "ranked AS (SELECT labelled.*, ROW_NUMBER() OVER (PARTITION BY labelled.tag "
        f"ORDER BY labelled.conversions DESC, {label}) AS position "
        "FROM labelled JOIN pages AS pg ON pg.tag = labelled.tag "
        "WHERE pg.after_conversions IS NULL OR labelled.conversions < pg.after_conversions "
        f"OR (labelled.conversions = pg.after_conversions AND {label} > pg.after_label)) "
        "SELECT ranked.tag, ranked.value_id, ranked.label, ranked.conversions, "
        f"ranked.uniques, ranked.foreign_events, {columns} "
        "FROM ranked JOIN pages AS pg ON pg.tag = ranked.tag "
        "WHERE ranked.position <= pg.row_limit ORDER BY ranked.tag, ranked.position"
    )


def foreign_revenue_by_value(dialect: Dialect, dimension: Dimension, where: EventFilter) -> str:
    """(tag, currency, UTC day, value id or NO_VALUE, events, sums...) of the revenue not
    in each goal's currency, for the (tag, value id) pairs of ``wanted``."""
    sums = ", ".join(dialect.exact_sum("ev.revenue_micros"))
    condition = filter_sql(where) + _foreign_revenue("gk.currency")
    return (
        f"WITH {GOAL_KEYS.cte(dialect)}, {WANTED.cte(dialect)} "  # noqa: S608
        f"SELECT ev.tag, ev.revenue_currency, ev.ts / {DAY_MS} AS day, "
        f"COALESCE(ev.value_id, {NO_VALUE}) AS bucket, count(*), {sums} "
        f"FROM {_valued_events(dialect, dimension, condition)} "
        "WHERE EXISTS (SELECT 1 FROM wanted AS w WHERE w.tag = ev.tag "
        f"AND w.value_id = COALESCE(ev.value_id, {NO_VALUE})) "
        "GROUP BY ev.tag, ev.revenue_currency, day, bucket"
    )


def visitors_by_value(dialect: Dialect, dimension: Dimension, where: EventFilter) -> str:
    """(tag, value id or NO_VALUE, distinct visitors) of each site range, for the value
    ids of ``wanted``, over the events passing ``where``."""
    return (
        f"WITH {SITE_RANGES.cte(dialect)}, {WANTED.cte(dialect)} "  # noqa: S608
        "SELECT x.tag, x.value_id, count(DISTINCT x.visitor) FROM ("
        "SELECT sr.tag AS tag, ev.visitor AS visitor, "
        f"COALESCE({value_expression(dimension)}, {NO_VALUE}) AS value_id "
        f"{site_events(dialect)}{filter_sql(where)}) AS x "
        # Uncorrelated: the wanted values are read once (SQLite builds an index
        # of them), not once per event; pairs nobody asked for are dropped after.
        "WHERE x.value_id IN (SELECT w.value_id FROM wanted AS w) GROUP BY x.tag, x.value_id"
    )


# --- exchange rates ------------------------------------------------------------------


def rates_in_force(dialect: Dialect) -> str:
    """(currency, day, rate or NULL) for each asked pair (``ASKED``): the rate of that
    day, or else of the nearest earlier one."""
    return (
        f"WITH {ASKED.cte(dialect)} "  # noqa: S608
        "SELECT asked.currency, asked.day, (SELECT r.rate FROM exchange_rates AS r "
        "WHERE r.currency = asked.currency AND r.day <= asked.day "
        "ORDER BY r.day DESC LIMIT 1) FROM asked"
    )


# --- appending events on the embedded appender's own connection -----------------------

# The dimension columns of events, all written on every insert (NULL: unknown).
DIMENSION_COLUMNS = tuple(dimension.column for dimension in STORED)
EVENT_COLUMNS = (
    "site_id",
    "key_id",
    "ts",
    "visitor",
    "revenue_micros",
    "revenue_currency",
    *DIMENSION_COLUMNS,
    *EVENT_VISIT_COLUMNS,
)
INSERT_EVENT = (
    f"INSERT INTO events ({', '.join(EVENT_COLUMNS)}) "  # noqa: S608 (constant names)
    f"VALUES ({', '.join(':' + name for name in EVENT_COLUMNS)})"
)
INSERT_KEYS = (
    "INSERT INTO event_keys (site_id, kind, value) VALUES (:site, :kind, :value) "
    "ON CONFLICT DO NOTHING"
)
KEY_ID = "SELECT id FROM event_keys WHERE site_id = :site AND kind = :kind AND value = :value"


# --- a site's own numbers: visitors, visits, pageviews, bounces, funnels ---------------

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
        f"WITH {SITE_RANGES.cte(dialect)} SELECT sr.tag, {_bucket_expression(starts)} AS bucket, "
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
        f"AND ev.ts < :end_ms AND ev.key_id IN ({_ids(steps[0])}){conditions} "
        "GROUP BY ev.visit_id, ev.visitor)"
    )
    later = [
        f"s{k} AS (SELECT reached.visit_id, reached.visitor, reached.ts FROM ("  # noqa: S608
        "SELECT p.visit_id AS visit_id, p.visitor AS visitor, (SELECT min(ev.ts) "
        "FROM events AS ev WHERE ev.site_id = :site AND ev.visitor = p.visitor "
        "AND ev.ts > p.ts AND ev.ts < :end_ms AND ev.visit_id = p.visit_id "
        f"AND ev.key_id IN ({_ids(steps[k])}){conditions}) AS ts FROM s{k - 1} AS p) "
        "AS reached WHERE reached.ts IS NOT NULL)"
        for k in range(1, len(steps))
    ]
    counts = ", ".join(
        f"(SELECT count(DISTINCT visitor) FROM s{k})"  # noqa: S608
        for k in range(len(steps))
    )
    return f"WITH {', '.join([first, *later])} SELECT {counts}"

"""Statements over the goals' events: their measures, time buckets, foreign
revenue, top keys, the site's visitors (a rate's denominator) and breakdowns by
the value of one dimension."""

from __future__ import annotations

from collections.abc import Sequence

from goalgate.domain.dimensions import Dimension
from goalgate.storage.conditions import EventFilter
from goalgate.storage.dialect import Dialect
from goalgate.storage.sql.fragments import (
    DAY_MS,
    GOAL_KEYS,
    NO_VALUE,
    PAGES,
    SITE_RANGES,
    WANTED,
    bucket_expression,
    filter_sql,
    goal_events,
    site_events,
    value_expression,
)

__all__ = [
    "breakdown",
    "buckets_aggregate",
    "conversions_by_key",
    "foreign_revenue",
    "foreign_revenue_by_value",
    "goals_aggregate",
    "one_goal_aggregate",
    "site_visitors",
    "visitors_by_value",
]


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


def buckets_aggregate(dialect: Dialect, where: EventFilter, starts: Sequence[int]) -> str:
    """(tag, bucket, measures...) of each goal and bucket with events."""
    select = f"gk.tag, {bucket_expression(starts)} AS bucket, {_measures(dialect)}"
    return _over_goal_rows(dialect, select, filter_sql(where), "gk.tag, bucket")


def foreign_revenue(dialect: Dialect, where: EventFilter, starts: Sequence[int] | None) -> str:
    """(tag, currency, UTC day, bucket or NULL, events, sums...) of the revenue not in
    each goal's currency."""
    bucket = bucket_expression(starts) if starts else "NULL"
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

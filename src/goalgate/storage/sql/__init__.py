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

The package's modules: ``fragments`` (JSON rows, filters, the events of goal
rows and site ranges), ``goals`` (the goals' measures and breakdowns),
``sites`` (a site's own numbers and funnels), ``visits`` (resolving visits at
write time), ``events`` (appending events, the key dictionary), ``rates``.
"""

from goalgate.storage.sql.events import (
    DIMENSION_COLUMNS,
    EVENT_COLUMNS,
    INSERT_EVENT,
    INSERT_KEYS,
    KEY_ID,
    KEYS_AFTER,
    key_values,
)
from goalgate.storage.sql.fragments import (
    ASKED,
    DAY_MS,
    GOAL_KEYS,
    NO_VALUE,
    PAGES,
    SITE_RANGES,
    WANTED,
    JsonRows,
    filter_sql,
    value_expression,
)
from goalgate.storage.sql.goals import (
    breakdown,
    buckets_aggregate,
    conversions_by_key,
    foreign_revenue,
    foreign_revenue_by_value,
    goals_aggregate,
    one_goal_aggregate,
    site_visitors,
    visitors_by_value,
)
from goalgate.storage.sql.rates import rates_in_force
from goalgate.storage.sql.sites import SITE_PAGES, funnel, site_breakdown, site_buckets, site_totals

__all__ = [
    "ASKED",
    "DAY_MS",
    "DIMENSION_COLUMNS",
    "EVENT_COLUMNS",
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

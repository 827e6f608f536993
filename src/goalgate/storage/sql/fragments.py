"""The fragments every statement is built from: JSON rows, a filter's conditions,
the events of each goal row or site range, bucket numbers."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from goalgate.domain.dimensions import Dimension
from goalgate.storage.conditions import Condition, EventFilter
from goalgate.storage.dialect import Dialect
from goalgate.storage.sql.visits import event_visit_column

__all__ = [
    "ASKED",
    "DAY_MS",
    "GOAL_KEYS",
    "NO_VALUE",
    "PAGES",
    "SITE_RANGES",
    "WANTED",
    "JsonRows",
    "bucket_expression",
    "filter_sql",
    "goal_events",
    "ids_list",
    "site_events",
    "value_expression",
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


def ids_list(ids: Sequence[int]) -> str:
    return ", ".join(str(int(i)) for i in sorted(set(ids)))


def _condition_sql(condition: Condition, alias: str) -> str:
    value = value_expression(condition.dimension, alias)
    if condition.negate:
        parts = []
        if condition.ids:
            parts.append(f"({value} IS NULL OR {value} NOT IN ({ids_list(condition.ids)}))")
        if condition.empty:
            parts.append(f"{value} IS NOT NULL")
        return "(" + " AND ".join(parts) + ")" if parts else "1 = 1"
    parts = []
    if condition.ids:
        parts.append(f"{value} IN ({ids_list(condition.ids)})")
    if condition.empty:
        parts.append(f"{value} IS NULL")
    # Values no event has: nothing matches.
    return "(" + " OR ".join(parts) + ")" if parts else "1 = 0"


def filter_sql(where: EventFilter, alias: str = "ev") -> str:
    """`` AND ...`` for each condition (empty without any)."""
    return "".join(f" AND {_condition_sql(c, alias)}" for c in where)


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


def bucket_expression(starts: Sequence[int], lo: int = 0, hi: int | None = None) -> str:
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
        f"CASE WHEN ev.ts < {int(starts[mid])} THEN {bucket_expression(starts, lo, mid)} "
        f"ELSE {bucket_expression(starts, mid, hi)} END"
    )

"""Filters as SQL: conditions on the dimension columns of ``events``.

A service resolves each filter clause to dictionary ids (``Condition``); the
statements of ``storage.stats`` and ``storage.breakdowns`` add them to their
WHERE. Ids are global across sites, so the ids of several sites' values can be
merged into one condition: an event of one site never points at another
site's keys. Every id is an integer read from the dictionary, written into the
statement as a literal (never text from a request).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from goalgate.domain.dimensions import Dimension

__all__ = ["NO_CONDITIONS", "Condition", "EventFilter", "filter_sql", "value_expression"]

_DAY_MS = 86_400_000


@dataclass(frozen=True, slots=True)
class Condition:
    """Events whose value of ``dimension`` is (or, negated, is not) one of these."""

    dimension: Dimension
    ids: tuple[int, ...]
    # "No value" (NULL) is among the values.
    empty: bool = False
    # IS_NOT: none of them (so NULL passes unless ``empty``).
    negate: bool = False


EventFilter = tuple[Condition, ...]
NO_CONDITIONS: EventFilter = ()


def value_expression(dimension: Dimension, alias: str = "ev") -> str:
    """SQL for an event's value id of ``dimension`` (NULL when it has none).

    ENTRY_PAGE is the page of the visitor's first pageview of the event's UTC
    day (pageviews are the rows whose key is their page): one probe of
    ``ix_events_site_visitor_ts`` per event, which covers it.
    """
    if dimension is not Dimension.ENTRY_PAGE:
        return f"{alias}.{dimension.column}"
    day = f"({alias}.ts - {alias}.ts % {_DAY_MS})"
    return (
        "(SELECT fp.page_id FROM events AS fp "  # noqa: S608 (an alias and constants)
        f"WHERE fp.site_id = {alias}.site_id AND fp.visitor = {alias}.visitor "
        f"AND fp.ts >= {day} AND fp.ts < {day} + {_DAY_MS} AND fp.key_id = fp.page_id "
        "ORDER BY fp.ts, fp.page_id LIMIT 1)"
    )


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

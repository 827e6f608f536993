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
from goalgate.storage.visits import event_visit_column

__all__ = ["NO_CONDITIONS", "Condition", "EventFilter", "filter_sql", "value_expression"]


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

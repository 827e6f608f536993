"""Filters as conditions on the dimension columns of ``events``.

A service resolves each filter clause to dictionary ids (``Condition``); the
SQL builder (``storage.sql.filter_sql``) adds them to the statements of
``storage.stats`` and ``storage.breakdowns``. Ids are global across sites,
so the ids of several sites' values can be merged into one condition: an
event of one site never points at another site's keys. Every id is an
integer read from the dictionary, written into the statement as a literal
(never text from a request).
"""

from __future__ import annotations

from dataclasses import dataclass

from goalgate.domain.dimensions import Dimension

__all__ = ["NO_CONDITIONS", "Condition", "EventFilter"]


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

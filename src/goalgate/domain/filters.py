"""Filters on stats: clauses on dimensions that an event must all satisfy.

A clause is a dimension, an operator and values:

- ``IS``: the event's value is one of ``values``;
- ``IS_NOT``: it is none of them, and events without a value are kept (an
  unknown source is not "Google");
- ``CONTAINS``: it contains one of ``values``, ignoring case.

For ``IS`` and ``IS_NOT``, the dimension's empty label (``(none)`` or
``(unknown)``, as breakdowns show it) stands for "no value": ``source IS
(none)`` keeps direct traffic only. Values pass through
``dimensions.canonical`` so that they compare with what ingestion stored;
one that can never be stored (a country ``XX``, a device ``fridge``) is a
fault naming the ``filter`` field, never a silent empty result.

REST writes a clause as ``<dimension>:<operator>:<value>|<value>...``
(``source:is:Google|Twitter``, ``page:contains:/blog``); ``parse_clause``
reads that form.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass

from goalgate.domain.dimensions import MAX_DIMENSION_LENGTH, Dimension, canonical
from goalgate.errors import ValidationFailed

__all__ = [
    "MAX_CLAUSES",
    "MAX_VALUES",
    "NO_FILTER",
    "FilterClause",
    "FilterOperator",
    "StatsFilter",
    "filter_clause",
    "parse_clause",
    "stats_filter",
]

# Bounds that keep a filtered statement's text and its dictionary look-ups small.
MAX_CLAUSES = 10
MAX_VALUES = 50
FIELD = "filter"
VALUE_SEPARATOR = "|"


class FilterOperator(enum.Enum):
    IS = "is"
    IS_NOT = "is_not"
    CONTAINS = "contains"


@dataclass(frozen=True, slots=True)
class FilterClause:
    """One condition; ``values`` are canonical (CONTAINS: case-folded), sorted, unique."""

    dimension: Dimension
    operator: FilterOperator
    values: tuple[str, ...]

    @property
    def includes_empty(self) -> bool:
        """Whether "no value" is among the values (IS and IS_NOT only)."""
        return (
            self.operator is not FilterOperator.CONTAINS
            and self.dimension.empty_label in self.values
        )

    @property
    def named_values(self) -> tuple[str, ...]:
        """The values other than the empty label."""
        if self.operator is FilterOperator.CONTAINS:
            return self.values
        return tuple(v for v in self.values if v != self.dimension.empty_label)


# All clauses must hold; the empty filter keeps every event.
StatsFilter = tuple[FilterClause, ...]
NO_FILTER: StatsFilter = ()


def _fault(message: str) -> ValidationFailed:
    return ValidationFailed(f"filter is not valid: {message}", fields={FIELD: message})


def filter_clause(
    dimension: Dimension, operator: FilterOperator, values: Sequence[str]
) -> FilterClause:
    """A checked clause: 1 to ``MAX_VALUES`` values, each in its stored form."""
    name = dimension.value
    if not values:
        raise _fault(f"{name}: at least one value is needed")
    if len(values) > MAX_VALUES:
        raise _fault(f"{name}: at most {MAX_VALUES} values")
    written: set[str] = set()
    for raw in values:
        if operator is FilterOperator.CONTAINS:
            needle = raw.casefold()
            if not needle.strip() or len(needle) > MAX_DIMENSION_LENGTH:
                raise _fault(f"{name}: must be 1 to {MAX_DIMENSION_LENGTH} characters")
            written.add(needle)
        elif raw.strip().casefold() == dimension.empty_label:
            written.add(dimension.empty_label)
        else:
            try:
                written.add(canonical(dimension, raw))
            except ValueError as exc:
                raise _fault(f"{name}: {raw!r} {exc}") from None
    return FilterClause(dimension, operator, tuple(sorted(written)))


def stats_filter(clauses: Sequence[FilterClause]) -> StatsFilter:
    """Clauses as one filter: at most ``MAX_CLAUSES``, in a stable order (for caches)."""
    if len(clauses) > MAX_CLAUSES:
        raise _fault(f"at most {MAX_CLAUSES} clauses")
    unique = dict.fromkeys(clauses)
    return tuple(sorted(unique, key=lambda c: (c.dimension.value, c.operator.value, c.values)))


def parse_clause(text: str) -> FilterClause:
    """A clause written ``<dimension>:<operator>:<value>|<value>...`` (REST)."""
    dimension_name, _, rest = text.partition(":")
    operator_name, separator, joined = rest.partition(":")
    if not separator:
        raise _fault(
            f"{text!r} is not <dimension>:<operator>:<values>, e.g. source:is:Google|Twitter"
        )
    try:
        dimension = Dimension(dimension_name.strip().lower())
    except ValueError:
        known = ", ".join(d.value for d in Dimension)
        raise _fault(f"{dimension_name!r} is not a dimension ({known})") from None
    try:
        operator = FilterOperator(operator_name.strip().lower())
    except ValueError:
        known = ", ".join(o.value for o in FilterOperator)
        raise _fault(f"{operator_name!r} is not an operator ({known})") from None
    return filter_clause(dimension, operator, joined.split(VALUE_SEPARATOR))

"""The GraphQL spelling of a stats query: its arguments, turned into the domain's.

``Goal.stats``, ``Goal.breakdown`` and ``previewGoal`` take the same period,
filter and paging arguments; ``query_args`` reads them by the rules REST's
parameters follow (``domain.query``, ``domain.periods``, ``domain.filters``),
so both faces refuse the same input with the same error, each naming its own
field (``first`` here where REST says ``limit``). Faults are BAD_USER_INPUT.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from goalgate.api.graphql.enums import Compare, Dimension, Period
from goalgate.api.graphql.filters import StatsFilter, stats_filter
from goalgate.domain.query import Page, QueryArgs, page_of

__all__ = ["PeriodArguments", "query_args"]


@dataclass(frozen=True, slots=True)
class PeriodArguments:
    """``period``, ``from``, ``to`` and ``filter``, as a field received them."""

    period: Period | None
    start_date: date | None
    end_date: date | None
    filter: Sequence[StatsFilter] | None


def query_args(
    asked: PeriodArguments,
    *,
    compare: Compare | None = None,
    by: Dimension | None = None,
    first: int | None = None,
    after: str | None = None,
) -> QueryArgs:
    """The query of a field's arguments; ``by`` (with ``first`` and ``after``) for a breakdown."""
    # An explicit null means the default, as an absent argument does.
    page = Page() if by is None else page_of(first, after, first_field="first", after_field="after")
    return QueryArgs(
        period=None if asked.period is None else asked.period.value,
        start_date=asked.start_date,
        end_date=asked.end_date,
        compare=compare,
        filter=stats_filter(asked.filter),
        dimension=by,
        page=page,
    )

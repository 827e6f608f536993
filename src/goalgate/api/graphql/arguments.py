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
from typing import Annotated

import strawberry

from goalgate.api.graphql.enums import Compare, Dimension, Interval, Period
from goalgate.api.graphql.filters import StatsFilter, stats_filter
from goalgate.domain.periods import MAX_CUSTOM_DAYS
from goalgate.domain.query import DEFAULT_ROWS, MAX_ROWS, Page, QueryArgs, page_of

__all__ = [
    "AfterArgument",
    "ByArgument",
    "CompareArgument",
    "FilterArgument",
    "FromArgument",
    "IntervalArgument",
    "PeriodArgument",
    "PeriodArguments",
    "RowsArgument",
    "ToArgument",
    "query_args",
]

# The arguments every stats field takes, described once (the schema linter wants
# a description on each, and they mean the same wherever they appear).
PeriodArgument = Annotated[
    Period | None,
    strawberry.argument(description="Which days to count; null means LAST_30_DAYS."),
]
FromArgument = Annotated[
    date | None,
    strawberry.argument(
        name="from",
        description="First day of a CUSTOM period, inclusive (YYYY-MM-DD); only with CUSTOM, "
        "and then with to.",
    ),
]
ToArgument = Annotated[
    date | None,
    strawberry.argument(
        name="to",
        description="Last day of a CUSTOM period, inclusive (YYYY-MM-DD, not before from; "
        f"at most {MAX_CUSTOM_DAYS} days in all); only with CUSTOM, and then with from.",
    ),
]
CompareArgument = Annotated[
    Compare | None,
    strawberry.argument(description="The period to compare with; null for no comparison."),
]
FilterArgument = Annotated[
    list[StatsFilter] | None,
    strawberry.argument(description="Count only the events that pass every clause."),
]
ByArgument = Annotated[
    Dimension, strawberry.argument(description="The dimension whose values are the rows.")
]
IntervalArgument = Annotated[
    Interval,
    strawberry.argument(description="The length of each bucket; DAY by default."),
]
RowsArgument = Annotated[
    int | None,
    strawberry.argument(
        description=f"Rows on the page, 1 to {MAX_ROWS}; null means {DEFAULT_ROWS}."
    ),
]
AfterArgument = Annotated[
    str | None,
    strawberry.argument(
        description="The endCursor of the page before this one; null for the first page."
    ),
]


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

"""The REST spelling of a stats query: its query parameters, and their parser.

The parameters (``period``, ``from``, ``to``, ``filter``, ``by``, ``limit``,
``after``) are declared once here for every route that takes them, with their
OpenAPI documentation; ``query_args`` turns what a request sent into the
domain's ``QueryArgs`` by the domain's rules, so that REST and GraphQL refuse
the same input with the same error, each naming its own field.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import parse_qsl, urlencode

from litestar import Request
from litestar.datastructures import ResponseHeader
from litestar.params import QueryParameter

from goalgate.domain import filters, periods
from goalgate.domain.dimensions import Dimension
from goalgate.domain.query import (
    DEFAULT_PERIOD,
    DEFAULT_ROWS,
    MAX_ROWS,
    QueryArgs,
    dimension_named,
    page_of,
)

__all__ = [
    "NEXT_PAGE_LINK",
    "After",
    "By",
    "Filter",
    "From",
    "Limit",
    "Period",
    "Steps",
    "To",
    "next_page_headers",
    "query_args",
    "step_ids",
]

_PERIODS = [period.value for period in periods.Period]
# schema_extra documents each as the plain string it is when sent (not "string
# or null"); the values are checked by domain.periods, which answers 422.
Period = Annotated[
    str | None,
    QueryParameter(
        description=f"7d, {DEFAULT_PERIOD.value} (default), 12mo or custom, on the site's calendar",
        required=False,
        schema_extra={
            "one_of": None,
            "type": "string",
            "enum": _PERIODS,
            "default": DEFAULT_PERIOD.value,
        },
    ),
]
From = Annotated[
    str | None,
    QueryParameter(
        name="from",
        description="First day (YYYY-MM-DD), period=custom only",
        schema_extra={"one_of": None, "type": "string", "format": "date"},
    ),
]
To = Annotated[
    str | None,
    QueryParameter(
        name="to",
        description="Last day, included (YYYY-MM-DD), period=custom only",
        schema_extra={"one_of": None, "type": "string", "format": "date"},
    ),
]

Filter = Annotated[
    list[str] | None,
    QueryParameter(
        name="filter",
        description="Count only events that pass every filter (repeat the parameter for "
        "several): <dimension>:<operator>:<value>|<value>..., where dimension is one of "
        + ", ".join(d.value for d in Dimension)
        + "; operator is is (one of the values), is_not (none of them; events without a "
        "value pass) or contains (a substring of one of them, ignoring case). Values compare "
        'case-insensitively; "(none)" or "(unknown)" stands for events without a value. '
        "E.g. filter=source:is:Google|Twitter&filter=country:is:DE. At most "
        f"{filters.MAX_CLAUSES} filters of 1 to {filters.MAX_VALUES} values each.",
        required=False,
        schema_extra={"one_of": None, "type": "array", "items": {"type": "string"}},
    ),
]
# Required, but checked by query_args so that a missing one is a 422 naming
# "by", like an unknown one (Litestar's own check answers a 400).
By = Annotated[
    str | None,
    QueryParameter(
        description="The dimension to break conversions down by",
        required=True,
        schema_extra={"one_of": None, "type": "string", "enum": [d.value for d in Dimension]},
    ),
]
Limit = Annotated[
    int | None,
    QueryParameter(
        description=f"Rows per page, 1 to {MAX_ROWS}",
        required=False,
        schema_extra={
            "one_of": None,
            "type": "integer",
            "default": DEFAULT_ROWS,
            "minimum": 1,
            "maximum": MAX_ROWS,
        },
    ),
]
After = Annotated[
    str | None,
    QueryParameter(
        description="The next field of the previous page, for the page after it",
        required=False,
        schema_extra={"one_of": None, "type": "string"},
    ),
]


def query_args(
    period: str | None,
    start_date: str | None,
    end_date: str | None,
    filter: list[str] | None,
    breakdown: tuple[str | None, int | None, str | None] | None = None,
) -> QueryArgs:
    """The query of a request's parameters; ``breakdown`` is its (by, limit, after),
    for the routes that break down. Faults are ValidationFailed naming the parameter."""
    clauses = filters.stats_filter([filters.parse_clause(text) for text in filter or ()])
    if breakdown is None:
        return QueryArgs(period, start_date, end_date, filter=clauses)
    by, limit, after = breakdown
    dimension = dimension_named(by, "by")
    page = page_of(limit, after, first_field="limit", after_field="after")
    return QueryArgs(period, start_date, end_date, filter=clauses, dimension=dimension, page=page)


# How a breakdown route documents the header ``next_page_headers`` writes.
NEXT_PAGE_LINK = ResponseHeader(
    name="Link",
    description='The next page, when there is one: <...&after=CURSOR>; rel="next" '
    "(RFC 8288). No Link header: this is the last page.",
    documentation_only=True,
)


def next_page_headers(request: Request[Any, Any, Any], cursor: str | None) -> dict[str, str]:
    """``Link: <path?same query, after=cursor>; rel="next"`` when a breakdown has a
    next page (``cursor``: its end cursor then, None on the last page)."""
    if cursor is None:
        return {}
    kept = parse_qsl(request.url.query, keep_blank_values=True)
    query = [(k, v) for k, v in kept if k != "after"] + [("after", cursor)]
    return {"Link": f'<{request.url.path}?{urlencode(query)}>; rel="next"'}


# Required, but checked by the funnel service: too few or too many steps is a
# 422 naming "steps", like none at all (Litestar's own check answers a 400).
Steps = Annotated[
    str | None,
    QueryParameter(
        description="The funnel's goals in order, by id, comma-separated: 2 to 8 goals of the site",
        required=True,
        schema_extra={"one_of": None, "type": "string"},
    ),
]


def step_ids(steps: str | None) -> list[str]:
    """The goal ids of a ``steps`` parameter (blank entries dropped)."""
    return [step.strip() for step in (steps or "").split(",") if step.strip()]

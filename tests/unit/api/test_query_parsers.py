"""REST's parameters and GraphQL's arguments parse to the same query, and fail alike."""

from __future__ import annotations

from datetime import date

import pytest

from goalgate.api.graphql import arguments as graphql
from goalgate.api.graphql.filters import StatsFilter
from goalgate.api.rest import query_params as rest
from goalgate.domain import cursors
from goalgate.domain.dimensions import Dimension
from goalgate.domain.filters import FilterOperator
from goalgate.domain.periods import Period
from goalgate.domain.query import Page, QueryArgs
from goalgate.errors import ValidationFailed

CURSOR = cursors.encode_breakdown(3, "Google")


def test_the_same_breakdown_query_from_both_faces() -> None:
    from_rest = rest.query_args(
        "custom", "2024-03-01", "2024-03-31", ["country:is:de"], ("source", 5, CURSOR)
    )
    asked = graphql.PeriodArguments(
        Period.CUSTOM,
        date(2024, 3, 1),
        date(2024, 3, 31),
        [StatsFilter(dimension=Dimension.COUNTRY, operator=FilterOperator.IS, values=["de"])],
    )
    from_graphql = graphql.query_args(asked, by=Dimension.SOURCE, first=5, after=CURSOR)
    assert from_rest.filter == from_graphql.filter
    assert (from_rest.dimension, from_rest.page) == (Dimension.SOURCE, Page(5, (3, "Google")))
    assert (from_graphql.dimension, from_graphql.page) == (from_rest.dimension, from_rest.page)
    assert (from_rest.period, from_graphql.period) == ("custom", "custom")


def test_no_period_is_the_default_on_both_faces() -> None:
    assert rest.query_args(None, None, None, None) == QueryArgs()
    assert graphql.query_args(graphql.PeriodArguments(None, None, None, None)) == QueryArgs()


@pytest.mark.parametrize(
    ("rest_breakdown", "graphql_page", "fields"),
    [
        (("source", 0, None), {"first": 0}, ("limit", "first")),
        (("source", 101, None), {"first": 101}, ("limit", "first")),
        (("source", None, "nonsense"), {"after": "nonsense"}, ("after", "after")),
    ],
)
def test_the_same_faults_each_under_its_own_name(
    rest_breakdown: tuple[str, int | None, str | None],
    graphql_page: dict[str, object],
    fields: tuple[str, str],
) -> None:
    with pytest.raises(ValidationFailed) as from_rest:
        rest.query_args(None, None, None, None, rest_breakdown)
    asked = graphql.PeriodArguments(None, None, None, None)
    with pytest.raises(ValidationFailed) as from_graphql:
        graphql.query_args(asked, by=Dimension.SOURCE, **graphql_page)  # type: ignore[arg-type]
    rest_field, graphql_field = fields
    assert from_rest.value.fields[rest_field] == from_graphql.value.fields[graphql_field]


def test_filter_faults_are_the_same_on_both_faces() -> None:
    with pytest.raises(ValidationFailed) as from_rest:
        rest.query_args(None, None, None, ["device:is:fridge"])
    asked = graphql.PeriodArguments(
        None,
        None,
        None,
        [StatsFilter(dimension=Dimension.DEVICE, operator=FilterOperator.IS, values=["fridge"])],
    )
    with pytest.raises(ValidationFailed) as from_graphql:
        graphql.query_args(asked)
    assert (
        from_rest.value.fields
        == from_graphql.value.fields
        == {"filter": "device: 'fridge' must be one of desktop, mobile, tablet"}
    )

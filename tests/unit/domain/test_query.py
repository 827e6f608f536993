"""The query object: what both faces parse, resolved on a site's calendar."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest

from goalgate.domain import cursors
from goalgate.domain.dimensions import Dimension
from goalgate.domain.periods import Compare
from goalgate.domain.query import (
    DEFAULT_ROWS,
    MAX_ROWS,
    Page,
    QueryArgs,
    dimension_named,
    page_of,
)
from goalgate.errors import ValidationFailed

NOW = datetime(2024, 4, 15, 12, tzinfo=UTC)


@dataclass(frozen=True)
class Site:
    id: int = 7
    key: str = "sk_site"
    timezone: str = "Europe/Berlin"


def test_no_period_is_the_last_30_days_of_the_sites_calendar() -> None:
    query = QueryArgs().resolve(Site(), now=NOW)
    assert (query.range.start_date, query.range.end_date) == (date(2024, 3, 17), date(2024, 4, 15))
    assert query.range.timezone == "Europe/Berlin"
    assert (query.compared, query.dimension, query.page, query.goals) == (None, None, Page(), ())


def test_a_comparison_resolves_to_the_range_before() -> None:
    args = QueryArgs("7d", compare=Compare.PREVIOUS_PERIOD)
    query = args.resolve(Site(), now=NOW)
    assert query.compared is not None
    assert (query.compared.start_date, query.compared.end_date) == (
        date(2024, 4, 2),
        date(2024, 4, 8),
    )
    # The compared query asks the same of the other range, and compares with nothing.
    then = query.over(query.compared)
    assert (then.range, then.compared, then.site) == (query.compared, None, query.site)


def test_period_faults_name_the_parameter() -> None:
    with pytest.raises(ValidationFailed) as caught:
        QueryArgs("week").resolve(Site(), now=NOW)
    assert caught.value.fields == {"period": "must be one of 7d, 30d, 12mo, custom"}
    with pytest.raises(ValidationFailed) as caught:
        QueryArgs("7d", start_date="2024-01-01").resolve(Site(), now=NOW)
    assert caught.value.fields == {"from": "only allowed with period=custom"}


def test_a_query_without_goals_has_no_goal() -> None:
    query = QueryArgs().resolve(Site(), now=NOW)
    with pytest.raises(ValueError, match="not enough values to unpack"):
        _ = query.goal


@pytest.mark.parametrize(
    ("first", "after", "expected"),
    [
        (None, None, Page(DEFAULT_ROWS, None)),
        (1, None, Page(1, None)),
        (MAX_ROWS, cursors.encode_breakdown(5, "Google"), Page(MAX_ROWS, (5, "Google"))),
    ],
)
def test_pages(first: int | None, after: str | None, expected: Page) -> None:
    assert page_of(first, after, first_field="first", after_field="after") == expected


@pytest.mark.parametrize("first", [0, -1, MAX_ROWS + 1])
def test_a_page_size_out_of_bounds_names_the_faces_field(first: int) -> None:
    with pytest.raises(ValidationFailed) as caught:
        page_of(first, None, first_field="limit", after_field="after")
    assert caught.value.fields == {"limit": "must be between 1 and 100"}


def test_a_cursor_not_given_by_the_api_names_the_faces_field() -> None:
    with pytest.raises(ValidationFailed) as caught:
        page_of(None, "nonsense", first_field="first", after_field="after")
    assert caught.value.fields == {"after": "not a cursor given by this API"}


def test_dimensions_by_their_rest_spelling() -> None:
    assert dimension_named(" UTM_Source ", "by") is Dimension.UTM_SOURCE
    with pytest.raises(ValidationFailed) as caught:
        dimension_named(None, "by")
    assert caught.value.fields == {"by": "is required"}
    with pytest.raises(ValidationFailed) as caught:
        dimension_named("colour", "by")
    assert caught.value.fields["by"].startswith("must be one of source, referrer_domain, ")

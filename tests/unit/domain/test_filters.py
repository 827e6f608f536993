"""Filter clauses: canonical values, the empty label, the REST form, bounds."""

from __future__ import annotations

import pytest

from goalgate.domain.dimensions import Dimension
from goalgate.domain.filters import (
    FilterClause,
    FilterOperator,
    filter_clause,
    parse_clause,
    stats_filter,
)
from goalgate.errors import ValidationFailed


def test_values_are_stored_forms_sorted_and_unique() -> None:
    clause = filter_clause(Dimension.DEVICE, FilterOperator.IS, ["mobile", "DESKTOP", "Mobile"])
    assert clause == FilterClause(Dimension.DEVICE, FilterOperator.IS, ("Desktop", "Mobile"))
    assert parse_clause("country:is:de|fr").values == ("DE", "FR")
    assert parse_clause("utm_campaign:is:Spring Sale").values == ("spring sale",)


def test_the_empty_label_means_no_value_except_for_contains() -> None:
    clause = parse_clause("source:is_not:(None)|google")
    assert clause.values == ("(none)", "Google")
    assert (clause.includes_empty, clause.named_values) == (True, ("Google",))
    unknown = parse_clause("country:is:(unknown)")
    assert (unknown.includes_empty, unknown.named_values) == (True, ())
    contains = parse_clause("source:contains:(NONE)")
    assert (contains.includes_empty, contains.named_values) == (False, ("(none)",))


def test_the_rest_form_keeps_colons_in_values() -> None:
    clause = parse_clause("page:contains:/a:b")
    assert (clause.dimension, clause.operator, clause.values) == (
        Dimension.PAGE,
        FilterOperator.CONTAINS,
        ("/a:b",),
    )


def test_a_filter_is_ordered_and_deduplicated() -> None:
    a, b = parse_clause("source:is:Google"), parse_clause("country:is:DE")
    assert stats_filter([a, b, a]) == stats_filter([b, a]) == (b, a)


@pytest.mark.parametrize(
    "text",
    ["source", "source:is", "colour:is:red", "source:like:x", "country:is:XX", "device:is:tv",
     "source:is:", "source:contains:   "],
)  # fmt: skip
def test_malformed_clauses_are_faults_naming_filter(text: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        parse_clause(text)
    assert list(caught.value.fields) == ["filter"]

"""The goal rule table (domain.goals.validate_goal), once, without HTTP.

REST and GraphQL both create, update and preview goals through this function;
each face keeps one test that maps its faults (tests/integration/rest/test_goals.py,
tests/integration/graphql/test_mutations.py).
"""

from __future__ import annotations

from typing import Any

import pytest

from goalgate.domain.goals import GoalSpec, GoalType, MatchType, validate_goal
from goalgate.errors import ValidationFailed

NAME_LENGTH = "must be 1 to 120 characters after trimming spaces"
MATCH_VALUE_LENGTH = "must be 1 to 500 characters"
CURRENCY = "must be an active ISO 4217 code"


def goal(**overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "name": "Signup",
        "type": "event",
        "match_type": "exact",
        "match_value": "signup",
        "currency": None,
    }
    fields.update(overrides)
    return fields


# Each rule, and several broken at once: every faulty field is named, in this order.
INVALID_GOALS = [
    ({"name": ""}, {"name": NAME_LENGTH}),
    ({"name": "   "}, {"name": NAME_LENGTH}),
    ({"name": "x" * 121}, {"name": NAME_LENGTH}),
    ({"name": "bad\x00name"}, {"name": "must not contain control characters"}),
    ({"type": "click"}, {"type": "must be one of pageview, event, custom"}),
    ({"match_type": "glob"}, {"match_type": "must be one of exact, contains, regex"}),
    ({"match_value": ""}, {"match_value": MATCH_VALUE_LENGTH}),
    ({"match_value": "x" * 501}, {"match_value": MATCH_VALUE_LENGTH}),
    (
        {"type": "pageview", "match_value": "thank-you"},
        {"match_value": "an exact pageview match must be a path starting with /"},
    ),
    (
        {"match_type": "regex", "match_value": "(a"},
        {"match_value": "not a valid RE2 regular expression: missing ): (a"},
    ),
    (
        {"match_type": "regex", "match_value": "(?=lookahead)"},
        {"match_value": "not a valid RE2 regular expression: invalid perl operator: (?="},
    ),
    ({"currency": "usdollar"}, {"currency": CURRENCY}),
    ({"currency": "XAU"}, {"currency": CURRENCY}),
    ({"currency": "ABC"}, {"currency": CURRENCY}),
    (
        {"type": "visit", "match_type": "glob", "name": ""},
        {
            "name": NAME_LENGTH,
            "type": "must be one of pageview, event, custom",
            "match_type": "must be one of exact, contains, regex",
        },
    ),
    (
        {"name": "", "match_value": "", "currency": "ABC"},
        {"name": NAME_LENGTH, "match_value": MATCH_VALUE_LENGTH, "currency": CURRENCY},
    ),
]


@pytest.mark.parametrize(("overrides", "fields"), INVALID_GOALS)
def test_each_rule_names_its_field(overrides: dict[str, Any], fields: dict[str, str]) -> None:
    with pytest.raises(ValidationFailed) as raised:
        validate_goal(**goal(**overrides))
    assert str(raised.value) == "the goal is not valid"
    assert list(raised.value.fields.items()) == list(fields.items())


def test_name_is_trimmed_and_120_characters_are_allowed() -> None:
    assert validate_goal(**goal(name="  " + "n" * 120 + " ")).name == "n" * 120


def test_exact_pageview_value_starting_with_slash_and_unicode_is_accepted() -> None:
    spec = validate_goal(**goal(type="pageview", match_value="/café/ü?x=1"))
    assert spec == GoalSpec("Signup", GoalType.PAGEVIEW, MatchType.EXACT, "/café/ü?x=1", None)


def test_currency_is_kept_upper_case() -> None:
    assert validate_goal(**goal(type="custom", currency="usd")).currency == "USD"

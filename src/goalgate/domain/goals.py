"""Goals: the validation rules shared by every face, and how a goal matches events."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar

import re2

from goalgate.domain import money, text
from goalgate.errors import ValidationFailed

__all__ = [
    "EventKind",
    "GoalSpec",
    "GoalType",
    "MatchType",
    "compile_matcher",
    "event_kind_of",
    "name_key",
    "validate_goal",
]

_E = TypeVar("_E", bound=StrEnum)

NAME_MAX = 120
MATCH_VALUE_MAX = 500


class GoalType(StrEnum):
    PAGEVIEW = "pageview"
    EVENT = "event"
    CUSTOM = "custom"


class MatchType(StrEnum):
    EXACT = "exact"
    CONTAINS = "contains"
    REGEX = "regex"


class EventKind(StrEnum):
    """What the browser sent: a page view, a custom event, or a ka.goal() call."""

    PAGEVIEW = "pageview"
    EVENT = "event"
    GOAL = "goal"


_KIND_OF_GOAL = {
    GoalType.PAGEVIEW: EventKind.PAGEVIEW,
    GoalType.EVENT: EventKind.EVENT,
    GoalType.CUSTOM: EventKind.GOAL,
}


def event_kind_of(goal_type: GoalType) -> EventKind:
    """The only kind of event a goal of this type can match."""
    return _KIND_OF_GOAL[goal_type]


@dataclass(frozen=True, slots=True)
class GoalSpec:
    """A goal's definition after every rule has passed."""

    name: str
    type: GoalType
    match_type: MatchType
    match_value: str
    currency: str | None


def name_key(name: str) -> str:
    """What makes two names the same goal: equal ignoring case (names are NFKC already)."""
    return name.casefold()


# A name is read by people: besides controls and lone surrogates, no invisible
# format character, which would make a look-alike of another goal's name.
_NAME_REFUSES = frozenset({text.CONTROL, text.SURROGATE, text.FORMAT})
# A match value is compared with event paths and names, which may hold format
# characters (an emoji joined by U+200D): only what no stored text may hold.
_MATCH_VALUE_REFUSES = frozenset({text.CONTROL, text.SURROGATE})
_REASON_OF_CATEGORY = {
    text.CONTROL: "must not contain control characters",
    text.SURROGATE: "must not contain lone surrogates (it is not valid Unicode text)",
    text.FORMAT: "must not contain invisible format characters (zero-width, bidi controls)",
}


def _character_fault(value: str, refused: frozenset[str]) -> str | None:
    category = text.forbidden_category(value, refused)
    return None if category is None else _REASON_OF_CATEGORY[category]


def _re2_options() -> re2.Options:
    options = re2.Options()
    options.log_errors = False  # a user's bad pattern is not our error log
    return options


def _regex_error(pattern: str) -> str | None:
    try:
        re2.compile(pattern, _re2_options())
    except re2.error as exc:
        detail = exc.args[0] if exc.args else "invalid pattern"
        if isinstance(detail, bytes):
            detail = detail.decode("utf-8", "replace")
        return f"not a valid RE2 regular expression: {detail}"
    return None


def validate_goal(
    *,
    name: str,
    type: str,
    match_type: str,
    match_value: str,
    currency: str | None,
) -> GoalSpec:
    """Check every rule at once; raise ValidationFailed naming each faulty field.

    The name is kept in NFKC form without surrounding spaces (see
    ``text.normalize_name``); the match value exactly as given.
    """
    faults: dict[str, str] = {}
    clean_name = text.normalize_name(name)
    if not 1 <= len(clean_name) <= NAME_MAX:
        faults["name"] = f"must be 1 to {NAME_MAX} characters after trimming spaces"
    elif fault := _character_fault(clean_name, _NAME_REFUSES):
        faults["name"] = fault

    goal_type = _enum_or_fault(GoalType, type, "type", faults)
    matching = _enum_or_fault(MatchType, match_type, "match_type", faults)

    if not 1 <= len(match_value) <= MATCH_VALUE_MAX:
        faults["match_value"] = f"must be 1 to {MATCH_VALUE_MAX} characters"
    elif fault := _character_fault(match_value, _MATCH_VALUE_REFUSES):
        faults["match_value"] = fault
    elif (
        goal_type is GoalType.PAGEVIEW
        and matching is MatchType.EXACT
        and not match_value.startswith("/")
    ):
        faults["match_value"] = "an exact pageview match must be a path starting with /"
    elif matching is MatchType.REGEX and (error := _regex_error(match_value)):
        faults["match_value"] = error

    clean_currency: str | None = None
    if currency is not None:
        try:
            clean_currency = money.normalize_currency(currency)
        except ValidationFailed as exc:
            faults.update(exc.fields)

    if faults or goal_type is None or matching is None:
        raise ValidationFailed("the goal is not valid", fields=faults)
    return GoalSpec(clean_name, goal_type, matching, match_value, clean_currency)


def _enum_or_fault(enum: type[_E], value: str, field: str, faults: dict[str, str]) -> _E | None:
    try:
        return enum(value)
    except ValueError:
        faults[field] = "must be one of " + ", ".join(member.value for member in enum)
        return None


def compile_matcher(match_type: MatchType, match_value: str) -> Callable[[str], bool]:
    """A predicate telling whether a path or name triggers the goal.

    exact: case-sensitive equality; contains: case-sensitive literal substring
    (no character is a wildcard); regex: unanchored RE2 search.
    """
    if match_type is MatchType.EXACT:
        return match_value.__eq__
    if match_type is MatchType.CONTAINS:
        return lambda value: match_value in value
    pattern = re2.compile(match_value, _re2_options())
    return lambda value: pattern.search(value) is not None

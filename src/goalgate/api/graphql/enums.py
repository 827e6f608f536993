"""The domain's enums, exposed to GraphQL as they are: one class for each, no copy.

``strawberry.enum`` registers the domain class itself, so its member names are
the schema's and its values the services': a resolver hands the argument it
gets straight to the services. Every GraphQL module takes these enums from
here, so that each is registered (with its description) before any type uses
it: Strawberry would register an unregistered enum a second time, bare.
"""

from __future__ import annotations

from enum import Enum

import strawberry

from goalgate.domain.dimensions import Dimension
from goalgate.domain.filters import FilterOperator
from goalgate.domain.goals import GoalType, MatchType
from goalgate.domain.periods import Compare, Interval, Period

__all__ = ["Compare", "Dimension", "FilterOperator", "GoalType", "Interval", "MatchType", "Period"]


def _described(
    cls: type[Enum], *, name: str | None = None, description: str, values: dict[str, str]
) -> None:
    """Register ``cls`` with a description for the type and one for each value.

    The domain's enums stay free of Strawberry, so the values' descriptions are
    set on the registered definition; a member without one (or a description of
    no member) fails here, at schema build, rather than in the linter's test.
    """
    strawberry.enum(cls, name=name, description=description)
    definition = cls.__strawberry_definition__  # type: ignore[attr-defined]
    members = [value.name for value in definition.values]
    if sorted(members) != sorted(values):
        raise ValueError(f"{cls.__name__}: describe exactly {members}, not {sorted(values)}")
    for value in definition.values:
        value.description = values[value.name]


_described(
    GoalType,
    description="Which kind of event triggers a goal.",
    values={
        "PAGEVIEW": "A page view; matchValue is compared with its path.",
        "EVENT": "A custom event (ka.track(name)); matchValue is compared with its name.",
        "CUSTOM": "A goal call (ka.goal(name)); matchValue is compared with its name.",
    },
)
_described(
    MatchType,
    description="How a goal's matchValue is compared with a path or name (case-sensitive).",
    values={
        "EXACT": "Equal to matchValue.",
        "CONTAINS": "Holds matchValue as a literal substring (no wildcards).",
        "REGEX": "matchValue is an RE2 regular expression, searched anywhere (unanchored).",
    },
)
_described(
    Period,
    name="StatsPeriod",
    description="Whole days of the site's calendar, today included; CUSTOM takes from and to.",
    values={
        "LAST_7_DAYS": "Today and the 6 days before it.",
        "LAST_30_DAYS": "Today and the 29 days before it.",
        "LAST_12_MONTHS": "From the 1st of the month 11 months ago through today.",
        "CUSTOM": "From the from day to the to day, both inclusive (both required).",
    },
)
_described(
    Interval,
    name="StatsInterval",
    description="The length of a time-series bucket on the site's calendar: a day, a week "
    "from Monday, or a calendar month; the first and last buckets are clipped to the period.",
    values={
        "DAY": "One calendar day (23 or 25 hours across a daylight-saving change).",
        "WEEK": "Monday to Sunday.",
        "MONTH": "The 1st to the last day of a month.",
    },
)
_described(
    Compare,
    name="StatsComparison",
    description="What a period is compared with: PREVIOUS_PERIOD is the same number of days "
    "just before it; PREVIOUS_YEAR the same calendar dates one year earlier (29 February "
    "maps to the 28th).",
    values={
        "PREVIOUS_PERIOD": "The same number of days, ending the day before the period starts.",
        "PREVIOUS_YEAR": "The same calendar dates one year earlier.",
    },
)
_described(
    Dimension,
    description="What conversions are broken down and filtered by: where the visit came "
    "from, by its first event (SOURCE, a name such as Google derived from the referrer or "
    "sent explicitly; REFERRER_DOMAIN; the UTM_* campaign tags), where they were (PAGE: the "
    "page a custom or event goal fired on, the matched path for pageview goals; ENTRY_PAGE: "
    "the page of the visit's first event), and who they were (COUNTRY, ISO 3166 "
    "alpha-2; DEVICE: Desktop, Mobile or Tablet; BROWSER; OS). Events without a value "
    'are shown as "(none)" (SOURCE, REFERRER_DOMAIN, UTM_*, PAGE, ENTRY_PAGE) or '
    '"(unknown)" (COUNTRY, DEVICE, BROWSER, OS).',
    values={
        "SOURCE": "Where the visit came from, e.g. Google or Newsletter: derived from the "
        "referrer or sent explicitly, by the visit's first event.",
        "REFERRER_DOMAIN": "The referring domain (news.ycombinator.com) of the visit's first "
        "event.",
        "UTM_SOURCE": "The utm_source tag (lower case) of the visit's first event.",
        "UTM_MEDIUM": "The utm_medium tag (lower case) of the visit's first event.",
        "UTM_CAMPAIGN": "The utm_campaign tag (lower case) of the visit's first event.",
        "UTM_CONTENT": "The utm_content tag (lower case) of the visit's first event.",
        "UTM_TERM": "The utm_term tag (lower case) of the visit's first event.",
        "PAGE": "The page a custom or event goal fired on; the matched path for pageview goals.",
        "ENTRY_PAGE": "The page of the first event of the visit.",
        "COUNTRY": "ISO 3166 alpha-2 country code, e.g. DE.",
        "DEVICE": "Desktop, Mobile or Tablet.",
        "BROWSER": "The browser as the User-Agent parser names it, e.g. Chrome.",
        "OS": "The operating system as the User-Agent parser names it, e.g. Mac OS X.",
    },
)
_described(
    FilterOperator,
    description="IS: one of the values; IS_NOT: none of them (events without a value "
    "are kept); CONTAINS: contains one of the values, ignoring case.",
    values={
        "IS": "The event's value is one of the values (ignoring case).",
        "IS_NOT": "The event's value is none of the values; events without a value are kept.",
        "CONTAINS": "The event's value contains one of the values, ignoring case.",
    },
)

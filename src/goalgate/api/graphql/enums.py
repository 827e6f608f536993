"""The domain's enums, exposed to GraphQL as they are: one class for each, no copy.

``strawberry.enum`` registers the domain class itself, so its member names are
the schema's and its values the services': a resolver hands the argument it
gets straight to the services. Every GraphQL module takes these enums from
here, so that each is registered (with its description) before any type uses
it: Strawberry would register an unregistered enum a second time, bare.
"""

from __future__ import annotations

import strawberry

from goalgate.domain.dimensions import Dimension
from goalgate.domain.filters import FilterOperator
from goalgate.domain.goals import GoalType, MatchType
from goalgate.domain.periods import Compare, Interval, Period

__all__ = ["Compare", "Dimension", "FilterOperator", "GoalType", "Interval", "MatchType", "Period"]

strawberry.enum(GoalType, description="Which kind of event triggers a goal.")
strawberry.enum(MatchType, description="How a goal's matchValue is compared.")
strawberry.enum(
    Period,
    name="StatsPeriod",
    description="Whole days of the site's calendar, today included; CUSTOM takes from and to.",
)
strawberry.enum(
    Interval,
    name="StatsInterval",
    description="The length of a time-series bucket on the site's calendar: a day, a week "
    "from Monday, or a calendar month; the first and last buckets are clipped to the period.",
)
strawberry.enum(
    Compare,
    name="StatsComparison",
    description="What a period is compared with: PREVIOUS_PERIOD is the same number of days "
    "just before it; PREVIOUS_YEAR the same calendar dates one year earlier (29 February "
    "maps to the 28th).",
)
strawberry.enum(
    Dimension,
    description="What conversions are broken down and filtered by: where the visit came "
    "from, by its first event (SOURCE, a name such as Google derived from the referrer or "
    "sent explicitly; REFERRER_DOMAIN; the UTM_* campaign tags), where they were (PAGE: the "
    "page a custom or event goal fired on, the matched path for pageview goals; ENTRY_PAGE: "
    "the page of the visit's first event), and who they were (COUNTRY, ISO 3166 "
    "alpha-2; DEVICE: Desktop, Mobile or Tablet; BROWSER; OS). Events without a value "
    'are shown as "(none)" (SOURCE, REFERRER_DOMAIN, UTM_*, PAGE, ENTRY_PAGE) or '
    '"(unknown)" (COUNTRY, DEVICE, BROWSER, OS).',
)
strawberry.enum(
    FilterOperator,
    description="IS: one of the values; IS_NOT: none of them (events without a value "
    "are kept); CONTAINS: contains one of the values, ignoring case.",
)

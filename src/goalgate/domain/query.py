"""The query object: what any stats-like request asks, in one value.

Plausible's ``Query`` is the model. A request goes through two shapes:

- ``QueryArgs``: the query as a face parsed it from its own spelling (REST
  query parameters, GraphQL arguments). It holds everything that needs no
  database: the period as asked, the comparison, the filter, the dimension
  and the page. Its parts are checked by the rules below (and by
  ``domain.periods`` and ``domain.filters``), so both faces refuse the same
  input with the same error, each naming its own field.
- ``Query``: the same, resolved for one authorised site: the period is a
  ``DateRange`` on the site's calendar, the comparison the range it is
  compared with, and the goals are the site's own. Only the services build
  one (``services.queries``), after checking the caller's scope and the site;
  every stats question (stats, time series, breakdown, preview, visitors)
  takes it, and storage turns it into SQL.

The site and goals are read through protocols, so that the domain needs no
storage record: anything with those attributes (``storage.records``) will do.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Protocol

from goalgate.domain import cursors
from goalgate.domain.dimensions import Dimension
from goalgate.domain.filters import NO_FILTER, StatsFilter
from goalgate.domain.periods import (
    DEFAULT_PERIOD,
    Compare,
    DateRange,
    previous_range,
    resolve_period,
)
from goalgate.errors import ValidationFailed

__all__ = [
    "DEFAULT_PERIOD",  # domain.periods' own, re-exported for the faces
    "DEFAULT_ROWS",
    "FIRST_PAGE",
    "MAX_ROWS",
    "GoalRef",
    "Page",
    "Query",
    "QueryArgs",
    "SiteRef",
    "dimension_named",
    "page_of",
]

# Rows of a breakdown page: when not asked, and at most.
DEFAULT_ROWS = 10
MAX_ROWS = 100


class SiteRef(Protocol):
    """The site a query reads: its id for SQL, its calendar for the period."""

    @property
    def id(self) -> int: ...
    @property
    def key(self) -> str: ...
    @property
    def timezone(self) -> str: ...


class GoalRef(Protocol):
    """A goal as the stats path reads it (a saved goal, or a preview's draft)."""

    @property
    def id(self) -> str: ...
    @property
    def site_id(self) -> int: ...
    @property
    def name(self) -> str: ...
    @property
    def type(self) -> str: ...
    @property
    def match_type(self) -> str: ...
    @property
    def match_value(self) -> str: ...
    @property
    def currency(self) -> str | None: ...
    @property
    def version(self) -> int: ...


@dataclass(frozen=True, slots=True)
class Page:
    """``first`` rows after ``after``, the (conversions, value) of the last row shown."""

    first: int = DEFAULT_ROWS
    after: tuple[int, str] | None = None


FIRST_PAGE = Page()


@dataclass(frozen=True, slots=True)
class QueryArgs:
    """A request's query as its face parsed it; ``resolve`` places it on a site's calendar."""

    # As sent: None is DEFAULT_PERIOD; dates as ISO text or dates, custom only.
    period: str | None = None
    start_date: date | str | None = None
    end_date: date | str | None = None
    compare: Compare | None = None
    filter: StatsFilter = NO_FILTER
    dimension: Dimension | None = None
    page: Page = FIRST_PAGE

    def resolve(
        self, site: SiteRef, goals: tuple[GoalRef, ...] = (), *, now: datetime | None = None
    ) -> Query:
        """The query on ``site``'s calendar (ValidationFailed names the parameter at fault)."""
        rng = resolve_period(
            self.period,
            timezone=site.timezone,
            now=now or datetime.now(UTC),
            start_date=self.start_date,
            end_date=self.end_date,
        )
        compared = None if self.compare is None else previous_range(rng, self.compare)
        return Query(
            site=site,
            range=rng,
            goals=goals,
            filter=self.filter,
            compared=compared,
            dimension=self.dimension,
            page=self.page,
        )


@dataclass(frozen=True, slots=True)
class Query:
    """One stats question about one site, resolved and authorised.

    Its fields are what the statements need, and (being frozen and hashable)
    it is the key DataLoaders batch and cache by.
    """

    site: SiteRef
    range: DateRange
    goals: tuple[GoalRef, ...] = ()
    filter: StatsFilter = NO_FILTER
    # The range ``range`` is compared with, when a comparison was asked.
    compared: DateRange | None = None
    dimension: Dimension | None = None
    page: Page = FIRST_PAGE

    @property
    def goal(self) -> GoalRef:
        """The goal of a one-goal question (stats, time series, breakdown, preview)."""
        [goal] = self.goals
        return goal

    def over(self, rng: DateRange) -> Query:
        """The same question over another range (a comparison's, without one of its own)."""
        return dataclasses.replace(self, range=rng, compared=None)


def dimension_named(name: str | None, field: str) -> Dimension:
    """The dimension of its REST spelling (``utm_source``); a fault naming ``field``."""
    if name is None:
        raise ValidationFailed(f"{field} is required", fields={field: "is required"})
    try:
        return Dimension(name.strip().lower())
    except ValueError:
        known = ", ".join(d.value for d in Dimension)
        raise ValidationFailed(
            f"{field} is not valid", fields={field: f"must be one of {known}"}
        ) from None


def page_of(first: int | None, after: str | None, *, first_field: str, after_field: str) -> Page:
    """A breakdown page: ``first`` rows (``DEFAULT_ROWS`` when None, 1 to ``MAX_ROWS``)
    after the row of the cursor ``after``; a fault naming the face's field."""
    if first is None:
        first = DEFAULT_ROWS
    elif not 1 <= first <= MAX_ROWS:
        raise ValidationFailed(
            f"{first_field} is not valid",
            fields={first_field: f"must be between 1 and {MAX_ROWS}"},
        )
    position = None if after is None else cursors.decode_breakdown(after, after_field)
    return Page(first=first, after=position)

"""Statements of visits: the stored visits a group of new events may join, and
the writes that insert, extend, update, merge and re-stamp them (``storage.visits``)."""

from __future__ import annotations

import functools

from goalgate.domain.dimensions import VISIT_DIMENSIONS, Dimension
from goalgate.storage.dialect import Dialect

__all__ = [
    "DELETE_VISIT",
    "EVENT_VISIT_COLUMNS",
    "EXTEND_VISIT",
    "INSERT_VISIT",
    "OWN_VALUE_COLUMNS",
    "RESTAMP_EVENTS",
    "UPDATE_VISIT",
    "VISIT_SPAN",
    "VISIT_VALUE_COLUMNS",
    "event_visit_column",
    "stored_visits",
]


def event_visit_column(dimension: Dimension) -> str:
    """The ``events`` column holding the event's visit's value of ``dimension``."""
    return "entry_page_id" if dimension is Dimension.ENTRY_PAGE else f"visit_{dimension.column}"


def _visit_row_column(dimension: Dimension) -> str:
    return "entry_page_id" if dimension is Dimension.ENTRY_PAGE else dimension.column


# The columns an event row gets from its visit (NULL: none), id first.
EVENT_VISIT_COLUMNS = ("visit_id", *(event_visit_column(d) for d in VISIT_DIMENSIONS))
# An event's own values that become its visit's when it is the first
# (its page: the entry page).
OWN_VALUE_COLUMNS = tuple(d.column for d in VISIT_DIMENSIONS)
VISIT_VALUE_COLUMNS = tuple(_visit_row_column(d) for d in VISIT_DIMENSIONS)
VISIT_SPAN = ("start_ts", "end_ts", "events", "pageviews")
# A visits row's columns after its id, site and visitor.
_VISIT_COLUMNS = VISIT_SPAN + VISIT_VALUE_COLUMNS
_WANTED_FIELDS = (("site", "int"), ("visitor", "bigint"), ("lo", "bigint"), ("hi", "bigint"))
# SQLite: the json rows first, then each visitor's index range. Without
# INDEXED BY, once visits has rows its planner may pick ix_visits_site_start
# (site_id, start_ts <= hi) and scan every earlier visit of the site per row.
_VISITS_INDEX = "ix_visits_site_visitor_end"


@functools.cache
def stored_visits(dialect: Dialect) -> str:
    """The visits of each (site, visitor, lo, hi) of the JSON array :wanted that
    reach into [lo, hi], read through ``_VISITS_INDEX``."""
    join = dialect.pinned_join("visits", "v", _VISITS_INDEX)
    return (
        f"WITH {dialect.json_rows('wanted', 'wanted', _WANTED_FIELDS)} "  # noqa: S608
        f"SELECT v.site_id, v.visitor, v.id, {', '.join('v.' + c for c in _VISIT_COLUMNS)} "
        f"FROM wanted AS w {join} ON v.site_id = w.site "
        "AND v.visitor = w.visitor AND v.end_ts >= w.lo AND v.start_ts <= w.hi"
    )


INSERT_VISIT = (
    f"INSERT INTO visits (id, site_id, visitor, {', '.join(_VISIT_COLUMNS)}) "  # noqa: S608
    f"VALUES (:id, :site_id, :visitor, {', '.join(':' + c for c in _VISIT_COLUMNS)})"
)
UPDATE_VISIT = (
    "UPDATE visits SET "  # noqa: S608 (constant names)
    + ", ".join(f"{c} = :{c}" for c in _VISIT_COLUMNS)
    + " WHERE id = :id"
)
# A visit that only grew at its end: its indexed start and its values stay.
EXTEND_VISIT = (
    "UPDATE visits SET end_ts = :end_ts, events = :events, pageviews = :pageviews WHERE id = :id"
)
DELETE_VISIT = "DELETE FROM visits WHERE id = :id"
RESTAMP_EVENTS = (
    "UPDATE events SET "  # noqa: S608 (constant names)
    + ", ".join(f"{c} = :{c}" for c in EVENT_VISIT_COLUMNS)
    + " WHERE site_id = :site_id AND visitor = :visitor AND ts >= :lo AND ts <= :hi"
)

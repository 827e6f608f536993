"""Filters resolved against the sites' dictionaries: clauses become key-id conditions.

Events hold ids, not text, so each clause's values are looked up in the key
dictionary of the site (exact values, or case-insensitive substrings for
CONTAINS) through the process's ``KeyIndex``: one refresh per (site, kind),
however many goals share the filter. Ids are global across sites, so one
filter asked over several sites becomes one condition holding the ids of all
of them, and their goals still share one statement.
"""

from __future__ import annotations

from collections.abc import Sequence

from goalgate.domain.filters import NO_FILTER, FilterOperator, StatsFilter
from goalgate.services.matching import KeyIndex
from goalgate.storage.conditions import NO_CONDITIONS, Condition, EventFilter

__all__ = ["event_filters"]


async def event_filters(
    keys: KeyIndex, asked: Sequence[tuple[int, StatsFilter]]
) -> list[EventFilter]:
    """The conditions of each (site id, filter), equal for equal filters."""
    sites: dict[StatsFilter, set[int]] = {}
    for site_id, stats_filter in asked:
        if stats_filter != NO_FILTER:
            sites.setdefault(stats_filter, set()).add(site_id)
    resolved: dict[StatsFilter, EventFilter] = {NO_FILTER: NO_CONDITIONS}
    for stats_filter, site_ids in sites.items():
        conditions = []
        for clause in stats_filter:
            ids: list[int] = []
            named = clause.named_values
            if named:
                for site_id in sorted(site_ids):
                    ids += await keys.ids_of_values(
                        site_id,
                        clause.dimension.kind,
                        named,
                        contains=clause.operator is FilterOperator.CONTAINS,
                    )
            conditions.append(
                Condition(
                    dimension=clause.dimension,
                    ids=tuple(sorted(set(ids))),
                    empty=clause.includes_empty,
                    negate=clause.operator is FilterOperator.IS_NOT,
                )
            )
        resolved[stats_filter] = tuple(conditions)
    return [resolved[stats_filter] for _, stats_filter in asked]

"""The schema's dimensions and filter clauses, and their translation to the domain's.

``filter`` arguments are lists of clauses, all of which must hold; GraphQL's
input coercion also takes a single clause where a list is expected, so
``filter: {dimension: SOURCE, operator: IS, values: ["Google"]}`` works as
written in the issue. The rules on values are ``domain.filters``' (REST
applies the same), faults come back as BAD_USER_INPUT naming ``filter``.
"""

from __future__ import annotations

from collections.abc import Sequence

import strawberry

from goalgate.api.graphql.enums import Dimension, FilterOperator
from goalgate.domain import filters as domain_filters

__all__ = ["StatsFilter", "stats_filter"]


@strawberry.input(
    description="One filter clause; a filter is a list of them, all of which must hold. "
    'Values compare case-insensitively; for IS and IS_NOT, the empty label ("(none)" or '
    '"(unknown)") stands for events without a value. A country or device that cannot '
    f"exist is BAD_USER_INPUT. At most {domain_filters.MAX_CLAUSES} clauses, 1 to "
    f"{domain_filters.MAX_VALUES} values each."
)
class StatsFilter:
    dimension: Dimension = strawberry.field(description="The dimension the clause tests.")
    operator: FilterOperator = strawberry.field(description="How values are compared.")
    values: list[str] = strawberry.field(
        description=f"1 to {domain_filters.MAX_VALUES} values, compared ignoring case."
    )


def stats_filter(clauses: Sequence[StatsFilter] | None) -> domain_filters.StatsFilter:
    """The domain filter of a ``filter`` argument; BAD_USER_INPUT naming ``filter``."""
    if not clauses:
        return domain_filters.NO_FILTER
    return domain_filters.stats_filter(
        [
            domain_filters.filter_clause(clause.dimension, clause.operator, clause.values)
            for clause in clauses
        ]
    )

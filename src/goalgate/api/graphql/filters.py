"""The schema's dimensions and filter clauses, and their translation to the domain's.

``filter`` arguments are lists of clauses, all of which must hold; GraphQL's
input coercion also takes a single clause where a list is expected, so
``filter: {dimension: SOURCE, operator: IS, values: ["Google"]}`` works as
written in the issue. The rules on values are ``domain.filters``' (REST
applies the same), faults come back as BAD_USER_INPUT naming ``filter``.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import Enum

import strawberry

from goalgate.api.graphql.errors import bad_user_input
from goalgate.domain import filters as domain_filters
from goalgate.domain.dimensions import Dimension as DomainDimension
from goalgate.errors import ValidationFailed

__all__ = ["Dimension", "FilterOperator", "StatsFilter", "stats_filter"]


@strawberry.enum(
    description="What conversions are broken down and filtered by: where visitors came "
    "from (SOURCE, a name such as Google derived from the referrer or sent explicitly; "
    "REFERRER_DOMAIN; the UTM_* campaign tags), where they were (PAGE: the page a custom "
    "or event goal fired on, the matched path for pageview goals; ENTRY_PAGE: the "
    "visitor's first pageview of the UTC day), and who they were (COUNTRY, ISO 3166 "
    "alpha-2; DEVICE: Desktop, Mobile or Tablet; BROWSER; OS). Events without a value "
    'are shown as "(none)" (SOURCE, REFERRER_DOMAIN, UTM_*, PAGE, ENTRY_PAGE) or '
    '"(unknown)" (COUNTRY, DEVICE, BROWSER, OS).'
)
class Dimension(Enum):
    SOURCE = DomainDimension.SOURCE.value
    REFERRER_DOMAIN = DomainDimension.REFERRER_DOMAIN.value
    UTM_SOURCE = DomainDimension.UTM_SOURCE.value
    UTM_MEDIUM = DomainDimension.UTM_MEDIUM.value
    UTM_CAMPAIGN = DomainDimension.UTM_CAMPAIGN.value
    UTM_CONTENT = DomainDimension.UTM_CONTENT.value
    UTM_TERM = DomainDimension.UTM_TERM.value
    PAGE = DomainDimension.PAGE.value
    ENTRY_PAGE = DomainDimension.ENTRY_PAGE.value
    COUNTRY = DomainDimension.COUNTRY.value
    DEVICE = DomainDimension.DEVICE.value
    BROWSER = DomainDimension.BROWSER.value
    OS = DomainDimension.OS.value


@strawberry.enum(
    description="IS: one of the values; IS_NOT: none of them (events without a value "
    "are kept); CONTAINS: contains one of the values, ignoring case."
)
class FilterOperator(Enum):
    IS = domain_filters.FilterOperator.IS.value
    IS_NOT = domain_filters.FilterOperator.IS_NOT.value
    CONTAINS = domain_filters.FilterOperator.CONTAINS.value


@strawberry.input(
    description="One filter clause; a filter is a list of them, all of which must hold. "
    'Values compare case-insensitively; for IS and IS_NOT, the empty label ("(none)" or '
    '"(unknown)") stands for events without a value. A country or device that cannot '
    f"exist is BAD_USER_INPUT. At most {domain_filters.MAX_CLAUSES} clauses, 1 to "
    f"{domain_filters.MAX_VALUES} values each."
)
class StatsFilter:
    dimension: Dimension
    operator: FilterOperator
    values: list[str]


def stats_filter(clauses: Sequence[StatsFilter] | None) -> domain_filters.StatsFilter:
    """The domain filter of a ``filter`` argument; BAD_USER_INPUT naming ``filter``."""
    if not clauses:
        return domain_filters.NO_FILTER
    try:
        return domain_filters.stats_filter(
            [
                domain_filters.filter_clause(
                    DomainDimension(clause.dimension.value),
                    domain_filters.FilterOperator(clause.operator.value),
                    clause.values,
                )
                for clause in clauses
            ]
        )
    except ValidationFailed as exc:
        raise bad_user_input(exc) from None

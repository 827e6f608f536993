"""The object types and enums of the schema; plain data as attributes, I/O as async fields.

Objects are built from storage rows once, with every plain field copied into an
attribute: reading an attribute is the cheapest thing GraphQL can do for each
item of a list. Only fields that need the database (``Site.goals``,
``Goal.stats``, ``GoalConnection.totalCount``, ``Viewer.sites``, and the
insights of ``GoalStats``: ``timeseries``, ``visitors``, ``conversionRate``,
``previous``, ``change``) are resolvers, batched through the request's loaders.

The fields that lead to analytics data (``Site.goals``, ``Goal.stats``,
``Goal.breakdown``, ``GoalConnection.totalCount``) need analytics:read
themselves, not only the root field above them: a mutation's payload reaches
them with a token that may only write. The services they call check it (every
scope check is a service's, ``services.queries`` for the stats path). They are
nullable, so that a refusal or a failure is an error on that field alone, not
a null site or goal.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from functools import partial
from typing import Annotated

import strawberry
from strawberry.types import Info

from goalgate.api.graphql.arguments import (
    AfterArgument,
    ByArgument,
    CompareArgument,
    FilterArgument,
    FromArgument,
    IntervalArgument,
    PeriodArgument,
    PeriodArguments,
    RowsArgument,
    ToArgument,
    query_args,
)
from goalgate.api.graphql.context import GraphQLContext
from goalgate.api.graphql.enums import GoalType, Interval, MatchType
from goalgate.api.graphql.filters import StatsFilter
from goalgate.api.graphql.loaders import SeriesQuery, ValueVisitorsQuery
from goalgate.api.graphql.node import Node, site_id
from goalgate.domain import cursors, money
from goalgate.domain.periods import DateRange
from goalgate.domain.query import DEFAULT_PERIOD, DEFAULT_ROWS, MAX_ROWS, GoalRef, Query
from goalgate.domain.tokens import Principal
from goalgate.services import breakdowns as breakdown_service
from goalgate.services import funnels as funnel_service
from goalgate.services import goals as goal_service
from goalgate.services import insights as insight_service
from goalgate.services import site_stats as site_stats_service
from goalgate.services import sites as site_service
from goalgate.services import stats as stats_service
from goalgate.services.queries import Parse, authorised_query
from goalgate.storage.records import GoalRecord, SiteRecord

__all__ = [
    "BreakdownConnection",
    "BreakdownEdge",
    "BreakdownRow",
    "Funnel",
    "FunnelStep",
    "Goal",
    "GoalConnection",
    "GoalEdge",
    "GoalStats",
    "Money",
    "PageInfo",
    "Site",
    "SiteBreakdownConnection",
    "SiteBreakdownEdge",
    "SiteBreakdownRow",
    "SiteBucket",
    "SiteStats",
    "StatsBucket",
    "StatsChange",
    "Viewer",
]


# Shared by every connection and edge.
_PAGE_INFO = "Where this page stands: whether more follow, and the cursor to ask for them."
_CURSOR = "Opaque; pass it as after to get the items that follow this one."


@strawberry.type(description="An exact amount of money in one currency.")
class Money:
    amount: Decimal = strawberry.field(
        description="Rounded to the currency's minor unit (2 places for USD, 0 for JPY)."
    )
    currency: str = strawberry.field(description="ISO 4217 code.")


@strawberry.type(description="One day, week or month of a goal's stats.")
class StatsBucket:
    start_date: date = strawberry.field(
        name="date",
        description="The bucket's first day in the period (a Monday for WEEK and the 1st "
        "for MONTH, except for a first bucket clipped to the period's start).",
    )
    conversions: int = strawberry.field(description="Events in the bucket that triggered the goal.")
    unique_conversions: int = strawberry.field(
        description="Distinct visitors among the bucket's conversions (they do not add up "
        "to the period's uniqueConversions when a visitor converts in several buckets)."
    )
    revenue: Money | None = strawberry.field(
        description="As GoalStats.revenue, for the bucket; null when the goal has no currency."
    )

    @classmethod
    def from_service(cls, bucket: insight_service.Bucket, currency: str | None) -> StatsBucket:
        return cls(
            start_date=bucket.start_date,
            conversions=bucket.conversions,
            unique_conversions=bucket.unique_conversions,
            revenue=_money(bucket.revenue, currency),
        )


@strawberry.type(
    description="Relative change of each number against the compared period: "
    "(current - previous) / previous, e.g. 0.25 for +25 %; null when the previous "
    "number is 0 (no finite change)."
)
class StatsChange:
    conversions: float | None = strawberry.field(description="Change of conversions.")
    unique_conversions: float | None = strawberry.field(description="Change of uniqueConversions.")
    revenue: float | None = strawberry.field(
        description="Change of revenue in the goal's currency; null also when it has none."
    )
    conversion_rate: float | None = strawberry.field(
        description="Change of conversionRate (relative, not in percentage points)."
    )


@strawberry.type(description="A goal's conversions over a period of its site's calendar.")
class GoalStats:
    conversions: int = strawberry.field(description="Events that triggered the goal.")
    unique_conversions: int = strawberry.field(description="Distinct visitors among them.")
    revenue: Money | None = strawberry.field(
        description="Revenue in the goal's currency, amounts sent in other currencies "
        "converted at the rate of the event's UTC day (see revenueByCurrency and "
        "unconvertedConversions); null when the goal has none."
    )
    start_date: date = strawberry.field(name="from", description="First day, inclusive.")
    end_date: date = strawberry.field(name="to", description="Last day, inclusive.")
    timezone: str = strawberry.field(description="The site's IANA time zone.")
    revenue_by_currency: list[Money] = strawberry.field(
        description="Revenue as sent, before any conversion: one amount per currency, "
        "sorted by currency code, each rounded to its currency's minor unit."
    )
    unconverted_conversions: int = strawberry.field(
        description="Conversions whose revenue was sent in another currency that no "
        "imported rate could convert (on or before the event's day): counted in "
        "conversions and revenueByCurrency, not in revenue."
    )
    stats: strawberry.Private[stats_service.GoalStats]
    query: strawberry.Private[Query]

    @classmethod
    def from_service(cls, stats: stats_service.GoalStats, query: Query) -> GoalStats:
        return cls(
            conversions=stats.conversions,
            unique_conversions=stats.unique_conversions,
            revenue=_money(stats.revenue, stats.currency),
            start_date=stats.range.start_date,
            end_date=stats.range.end_date,
            timezone=stats.range.timezone,
            revenue_by_currency=[
                Money(amount=money.display_amount(amount, currency), currency=currency)
                for currency, amount in sorted(stats.revenue_by_currency.items())
            ],
            unconverted_conversions=stats.unconverted_conversions,
            stats=stats,
            query=query,
        )

    @strawberry.field(
        description="The period in buckets of the site's calendar, zero-filled, oldest first; "
        "conversions and revenue add up to the period's totals."
    )
    async def timeseries(
        self, info: Info[GraphQLContext, None], interval: IntervalArgument = Interval.DAY
    ) -> list[StatsBucket]:
        # Every goal's series in this request go to timeseries_for in one batch.
        series = SeriesQuery(query=self.query, interval=interval)
        buckets = await info.context.loaders.series.load(series)
        return [StatsBucket.from_service(bucket, self.query.goal.currency) for bucket in buckets]

    @strawberry.field(
        description="Unique visitors of the site in the period: distinct visitors with any "
        "event (page view, event or goal), whether or not they converted."
    )
    async def visitors(self, info: Info[GraphQLContext, None]) -> int:
        return await self._visitors(info, self.query.range)

    @strawberry.field(
        description="The share of the site's visitors who converted: uniqueConversions / "
        "visitors, 0 to 1 (0.25 is 25 %); 0 when the site had no visitors in the period."
    )
    async def conversion_rate(self, info: Info[GraphQLContext, None]) -> float:
        visitors = await self._visitors(info, self.query.range)
        return insight_service.conversion_rate(self.unique_conversions, visitors)

    @strawberry.field(
        description="The same goal over the compared period (same calendar, same length "
        "but for PREVIOUS_YEAR across 29 February); null without compare."
    )
    async def previous(self, info: Info[GraphQLContext, None]) -> GoalStats | None:
        if self.query.compared is None:
            return None
        then = self.query.over(self.query.compared)
        return GoalStats.from_service(await info.context.loaders.stats.load(then), then)

    @strawberry.field(
        description="Relative change against the compared period; null without compare."
    )
    async def change(self, info: Info[GraphQLContext, None]) -> StatsChange | None:
        if self.query.compared is None:
            return None
        # The same loaders as the fields above: cached, and batched across goals.
        previous = self.query.over(self.query.compared)
        then = await info.context.loaders.stats.load(previous)
        visitors = await info.context.loaders.visitors.load_many([self.query, previous])
        now = self.stats
        revenue = None
        if now.revenue is not None and then.revenue is not None:
            revenue = insight_service.relative_change(float(now.revenue), float(then.revenue))
        return StatsChange(
            conversions=insight_service.relative_change(now.conversions, then.conversions),
            unique_conversions=insight_service.relative_change(
                now.unique_conversions, then.unique_conversions
            ),
            revenue=revenue,
            conversion_rate=insight_service.relative_change(
                insight_service.conversion_rate(now.unique_conversions, visitors[0]),
                insight_service.conversion_rate(then.unique_conversions, visitors[1]),
            ),
        )

    async def _visitors(self, info: Info[GraphQLContext, None], rng: DateRange) -> int:
        return await info.context.loaders.visitors.load(self.query.over(rng))


def _saved(goal: GoalRef) -> GoalRecord:
    """A goal the services found in storage (a funnel's step), as the record it is."""
    assert isinstance(goal, GoalRecord)
    return goal


def _money(amount: Decimal | None, currency: str | None) -> Money | None:
    """An amount shown in its currency's minor unit; None without an amount or currency."""
    if amount is None or currency is None:
        return None
    return Money(amount=money.display_amount(amount, currency), currency=currency)


@strawberry.type(description="A goal's conversions from one value of a dimension.")
class BreakdownRow:
    value: str = strawberry.field(
        description='The value as stored (e.g. "Google", "DE", "/pricing"); "(none)" or '
        '"(unknown)" for the conversions without one.'
    )
    conversions: int = strawberry.field(description="The goal's conversions with this value.")
    unique_conversions: int = strawberry.field(description="Distinct visitors among them.")
    revenue: Money | None = strawberry.field(
        description="As GoalStats.revenue, for this value: in the goal's currency, 0 when "
        "the value brought none; null when the goal tracks no revenue."
    )
    row: strawberry.Private[breakdown_service.BreakdownRow]
    breakdown: strawberry.Private[Query]

    @strawberry.field(
        description="The share of the site's visitors with this value in the period (and "
        "the filter) who converted: uniqueConversions over them, 0 to 1; 0 when there were "
        "none."
    )
    async def conversion_rate(self, info: Info[GraphQLContext, None]) -> float:
        # Every row's visitors in this request go to value_visitors in one batch.
        visitors = await info.context.loaders.value_visitors.load(
            ValueVisitorsQuery(breakdown=self.breakdown, value_id=self.row.value_id)
        )
        return insight_service.conversion_rate(self.unique_conversions, visitors)


@strawberry.type(description="A breakdown row and its place in the list.")
class BreakdownEdge:
    cursor: str = strawberry.field(description=_CURSOR)
    node: BreakdownRow = strawberry.field(description="The row.")


@strawberry.type(
    description="One page of a goal's breakdown: values by conversions, most first, ties "
    "by value (byte order), so that pages are stable."
)
class BreakdownConnection:
    nodes: list[BreakdownRow] = strawberry.field(description="The page's rows, in order.")
    page_info: PageInfo = strawberry.field(description=_PAGE_INFO)
    start_date: date = strawberry.field(name="from", description="First day, inclusive.")
    end_date: date = strawberry.field(name="to", description="Last day, inclusive.")
    timezone: str = strawberry.field(description="The site's IANA time zone.")

    @strawberry.field(description="The page's rows with their cursors, in order.")
    def edges(self) -> list[BreakdownEdge]:
        return [
            BreakdownEdge(cursor=breakdown_service.cursor_of(node.row), node=node)
            for node in self.nodes
        ]

    @classmethod
    def from_service(cls, breakdown: breakdown_service.Breakdown) -> BreakdownConnection:
        currency = breakdown.query.goal.currency
        rng = breakdown.query.range
        return cls(
            nodes=[
                BreakdownRow(
                    value=row.value,
                    conversions=row.conversions,
                    unique_conversions=row.unique_conversions,
                    revenue=_money(row.revenue, currency),
                    row=row,
                    breakdown=breakdown.query,
                )
                for row in breakdown.rows
            ],
            page_info=_page_info(
                [breakdown_service.cursor_of(row) for row in breakdown.rows[:1]],
                breakdown.end_cursor,
                breakdown.has_next_page,
            ),
            start_date=rng.start_date,
            end_date=rng.end_date,
            timezone=rng.timezone,
        )


def _page_info(first: list[str], end_cursor: str | None, has_next_page: bool) -> PageInfo:
    """A page's info from its first edge's cursor (none for an empty page) and the
    service's end cursor (the last edge's)."""
    return PageInfo(
        has_next_page=has_next_page,
        has_previous_page=False,
        start_cursor=first[0] if first else None,
        end_cursor=end_cursor,
    )


@strawberry.type(description="A conversion goal of a site.")
class Goal(Node):
    id: strawberry.ID = strawberry.field(
        description="The goal's UUID, as REST names it; globally unique (Node)."
    )
    name: str = strawberry.field(
        description="Unique in its site, ignoring case; 1 to 120 characters."
    )
    type: GoalType = strawberry.field(description="Which kind of event triggers it.")
    match_type: MatchType = strawberry.field(description="How matchValue is compared.")
    match_value: str = strawberry.field(
        description="The page path (PAGEVIEW), event name (EVENT) or goal name (CUSTOM) "
        "it matches, as matchType says."
    )
    currency: str | None = strawberry.field(
        description="ISO 4217 code of the revenue tracked; null when none is."
    )
    created_at: datetime = strawberry.field(description="When it was created (UTC).")
    updated_at: datetime = strawberry.field(description="When it was last changed (UTC).")
    site: Site = strawberry.field(description="The site it belongs to.")
    row: strawberry.Private[GoalRecord]

    @classmethod
    def from_row(cls, row: GoalRecord, site: Site) -> Goal:
        return cls(
            id=strawberry.ID(row.id),
            name=row.name,
            type=GoalType(row.type),
            match_type=MatchType(row.match_type),
            match_value=row.match_value,
            currency=row.currency,
            created_at=row.created_at,
            updated_at=row.updated_at,
            site=site,
            row=row,
        )

    @strawberry.field(
        description="Conversions, unique conversions and revenue over a period "
        "(from and to, YYYY-MM-DD, only with period CUSTOM, and then both); compare "
        "fills previous and change (BAD_USER_INPUT when the compared period would "
        "start before 1970-01-01). Needs analytics:read (FORBIDDEN otherwise, e.g. "
        "in a mutation's payload); null, with an error, when it fails, so that one "
        "goal's failure leaves the others' stats.",
    )
    async def stats(
        self,
        info: Info[GraphQLContext, None],
        period: PeriodArgument = DEFAULT_PERIOD,
        start_date: FromArgument = None,
        end_date: ToArgument = None,
        compare: CompareArgument = None,
        filter: Annotated[
            list[StatsFilter] | None,
            strawberry.argument(
                description="Count only the events that pass every clause (timeseries, "
                "visitors, conversionRate, previous and change follow it)."
            ),
        ] = None,
    ) -> GoalStats | None:
        asked = PeriodArguments(period, start_date, end_date, filter)
        query = await self._query(info, partial(query_args, asked, compare=compare))
        # Every goal's stats in this request go to stats_for in one batch.
        stats = await info.context.loaders.stats.load(query)
        return GoalStats.from_service(stats, query)

    @strawberry.field(
        description="Conversions, unique conversions, revenue and conversion rate per value "
        "of a dimension over a period (arguments as in stats), top values first; "
        f"first at most {MAX_ROWS}, after an endCursor. Needs "
        "analytics:read; null, with an error, when refused or an argument is invalid.",
    )
    async def breakdown(
        self,
        info: Info[GraphQLContext, None],
        by: ByArgument,
        period: PeriodArgument = DEFAULT_PERIOD,
        start_date: FromArgument = None,
        end_date: ToArgument = None,
        first: RowsArgument = DEFAULT_ROWS,
        after: AfterArgument = None,
        filter: FilterArgument = None,
    ) -> BreakdownConnection | None:
        asked = PeriodArguments(period, start_date, end_date, filter)
        query = await self._query(info, partial(query_args, asked, by=by, first=first, after=after))
        # Every goal's breakdown in this request goes to breakdowns_for in one batch.
        return BreakdownConnection.from_service(await info.context.loaders.breakdowns.load(query))

    async def _query(self, info: Info[GraphQLContext, None], parse: Parse) -> Query:
        """This goal's query of the arguments ``parse`` reads, authorised for the caller."""
        principal = await info.context.principal()
        analytics = info.context.runtime.analytics
        return await authorised_query(analytics, principal, self.site.row, parse, [self.row])


@strawberry.type(description="A goal and its place in the list.")
class GoalEdge:
    cursor: str = strawberry.field(description=_CURSOR)
    node: Goal = strawberry.field(description="The goal.")


@strawberry.type(
    description="Where a page stands in its list, as Relay's connection spec has it. Paging "
    "is forward only (first, after): hasPreviousPage is always false."
)
class PageInfo:
    has_next_page: bool = strawberry.field(description="Whether items follow this page.")
    has_previous_page: bool = strawberry.field(
        description="Always false: the lists page forward only (first and after, no last "
        "or before), and the Relay spec lets such a server answer false."
    )
    start_cursor: str | None = strawberry.field(
        description="The first edge's cursor; null for an empty page."
    )
    end_cursor: str | None = strawberry.field(
        description="The last edge's cursor, to pass as after; null for an empty page."
    )


@strawberry.type(description="One page of a site's goals, oldest first.")
class GoalConnection:
    nodes: list[Goal] = strawberry.field(description="The page's goals, in order.")
    page_info: PageInfo = strawberry.field(description=_PAGE_INFO)
    site_row: strawberry.Private[SiteRecord]
    goal_type: strawberry.Private[str | None]

    @strawberry.field(description="The page's goals with their cursors, in order.")
    def edges(self) -> list[GoalEdge]:
        return [
            GoalEdge(cursor=cursors.encode_goal(goal.row.created_at, goal.row.id), node=goal)
            for goal in self.nodes
        ]

    @strawberry.field(
        description="Goals of the site (of the type asked for), all pages.",
    )
    async def total_count(self, info: Info[GraphQLContext, None]) -> int:
        # Counted only when asked for: most pages do not show a total.
        principal = await info.context.principal()
        return await goal_service.count_goals(
            info.context.runtime.db.reader, principal, self.site_row, goal_type=self.goal_type
        )


@strawberry.type(description="One day, week or month of a site's visitors and visits.")
class SiteBucket:
    start_date: date = strawberry.field(
        name="date", description="The bucket's first day in the period (as StatsBucket.date)."
    )
    visitors: int = strawberry.field(
        description="Distinct visitors in the bucket (they do not add up to the period's "
        "visitors when a visitor comes back in several buckets)."
    )
    visits: int = strawberry.field(description="Visits with an event in the bucket.")


@strawberry.type(
    description="A site's numbers over a period of its calendar: the first screen of an "
    "analytics tool. A visit is a visitor's run of events with no gap over 30 minutes."
)
class SiteStats:
    visitors: int = strawberry.field(
        description="Unique visitors: distinct visitors with any event."
    )
    visits: int = strawberry.field(description="Visits with an event in the period.")
    pageviews: int = strawberry.field(description="Page views in the period.")
    views_per_visit: float = strawberry.field(
        description="Page views per visit (pageviews / visits); 0 without visits."
    )
    bounce_rate: float = strawberry.field(
        description="The share of visits that were one event, a pageview, 0 to 1."
    )
    visit_duration: float = strawberry.field(
        description="Mean seconds from a visit's first event to its last, over all visits "
        "(a bounce counts 0)."
    )
    start_date: date = strawberry.field(name="from", description="First day, inclusive.")
    end_date: date = strawberry.field(name="to", description="Last day, inclusive.")
    timezone: str = strawberry.field(description="The site's IANA time zone.")
    query: strawberry.Private[Query]

    @classmethod
    def from_service(cls, stats: site_stats_service.SiteStats, query: Query) -> SiteStats:
        return cls(
            visitors=stats.visitors,
            visits=stats.visits,
            pageviews=stats.pageviews,
            views_per_visit=stats.views_per_visit,
            bounce_rate=stats.bounce_rate,
            visit_duration=stats.visit_duration,
            start_date=stats.range.start_date,
            end_date=stats.range.end_date,
            timezone=stats.range.timezone,
            query=query,
        )

    @strawberry.field(
        description="Visitors and visits in buckets of the site's calendar, zero-filled, "
        "oldest first."
    )
    async def timeseries(
        self, info: Info[GraphQLContext, None], interval: IntervalArgument = Interval.DAY
    ) -> list[SiteBucket]:
        series = SeriesQuery(query=self.query, interval=interval)
        buckets = await info.context.loaders.site_series.load(series)
        return [
            SiteBucket(start_date=b.start_date, visitors=b.visitors, visits=b.visits)
            for b in buckets
        ]

    @strawberry.field(
        description="The same numbers over the compared period; null without compare."
    )
    async def previous(self, info: Info[GraphQLContext, None]) -> SiteStats | None:
        if self.query.compared is None:
            return None
        then = self.query.over(self.query.compared)
        return SiteStats.from_service(await info.context.loaders.site_stats.load(then), then)


@strawberry.type(description="A site's visitors and visits from one value of a dimension.")
class SiteBreakdownRow:
    value: str = strawberry.field(
        description='The value as stored; "(none)" or "(unknown)" for events without one.'
    )
    visitors: int = strawberry.field(description="Distinct visitors with this value.")
    visits: int = strawberry.field(description="Visits with this value.")
    row: strawberry.Private[site_stats_service.SiteBreakdownRow]


@strawberry.type(description="A site breakdown row and its place in the list.")
class SiteBreakdownEdge:
    cursor: str = strawberry.field(description=_CURSOR)
    node: SiteBreakdownRow = strawberry.field(description="The row.")


@strawberry.type(
    description="One page of a site's breakdown: values by visitors, most first, ties by "
    "value (byte order), so that pages are stable."
)
class SiteBreakdownConnection:
    nodes: list[SiteBreakdownRow] = strawberry.field(description="The page's rows, in order.")
    page_info: PageInfo = strawberry.field(description=_PAGE_INFO)
    start_date: date = strawberry.field(name="from", description="First day, inclusive.")
    end_date: date = strawberry.field(name="to", description="Last day, inclusive.")
    timezone: str = strawberry.field(description="The site's IANA time zone.")

    @strawberry.field(description="The page's rows with their cursors, in order.")
    def edges(self) -> list[SiteBreakdownEdge]:
        return [
            SiteBreakdownEdge(cursor=site_stats_service.site_cursor_of(node.row), node=node)
            for node in self.nodes
        ]

    @classmethod
    def from_service(cls, breakdown: site_stats_service.SiteBreakdown) -> SiteBreakdownConnection:
        rng = breakdown.query.range
        return cls(
            nodes=[
                SiteBreakdownRow(value=row.value, visitors=row.visitors, visits=row.visits, row=row)
                for row in breakdown.rows
            ],
            page_info=_page_info(
                [site_stats_service.site_cursor_of(row) for row in breakdown.rows[:1]],
                breakdown.end_cursor,
                breakdown.has_next_page,
            ),
            start_date=rng.start_date,
            end_date=rng.end_date,
            timezone=rng.timezone,
        )


@strawberry.type(description="One step of a funnel.")
class FunnelStep:
    goal: Goal = strawberry.field(description="The step's goal.")
    visitors: int = strawberry.field(
        description="Visitors with a visit that converted on every step up to this one, in order."
    )
    conversion_rate: float = strawberry.field(
        description="The share of the first step's visitors who reached this step "
        "(visitors / the first step's), 0 to 1; 0 when it had none."
    )
    drop_off: int = strawberry.field(
        description="The previous step's visitors who did not reach this one; 0 for the first."
    )


@strawberry.type(
    description="Visitors through an ordered list of a site's goals, each step within one "
    "visit and after the step before it."
)
class Funnel:
    steps: list[FunnelStep] = strawberry.field(description="The steps, in the order asked.")
    start_date: date = strawberry.field(name="from", description="First day, inclusive.")
    end_date: date = strawberry.field(name="to", description="Last day, inclusive.")
    timezone: str = strawberry.field(description="The site's IANA time zone.")


@strawberry.type(description="A website whose conversions are tracked.")
class Site(Node):
    id: strawberry.ID = strawberry.field(
        description="Opaque global id (Node), stable for as long as the site exists; "
        "the key is what the other fields and REST take."
    )
    key: str = strawberry.field(
        description="The site's public key, e.g. sk_abc123def456: what site(key:), the other "
        "fields' siteKey and REST take."
    )
    domain: str = strawberry.field(description="The site's domain, e.g. example.com.")
    timezone: str = strawberry.field(description="IANA time zone of the site's calendar.")
    row: strawberry.Private[SiteRecord]

    @classmethod
    def from_row(cls, row: SiteRecord) -> Site:
        return cls(
            id=site_id(row.key), key=row.key, domain=row.domain, timezone=row.timezone, row=row
        )

    @strawberry.field(
        description=f"Goals oldest first; first at most {goal_service.MAX_PAGE_SIZE}. Needs "
        "analytics:read (FORBIDDEN otherwise, e.g. in a mutation's payload); null, with "
        "an error, when refused or when an argument is invalid.",
    )
    async def goals(
        self,
        info: Info[GraphQLContext, None],
        first: Annotated[
            int | None,
            strawberry.argument(
                description=f"Goals on the page, 0 to {goal_service.MAX_PAGE_SIZE}; null means 50."
            ),
        ] = 50,
        after: AfterArgument = None,
        goal_type: Annotated[
            GoalType | None,
            strawberry.argument(name="type", description="Only goals of this type; null for all."),
        ] = None,
    ) -> GoalConnection | None:
        principal = await info.context.principal()
        chosen_type = None if goal_type is None else goal_type.value
        page = await goal_service.page_goals(
            info.context.runtime.db.reader,
            principal,
            self.row,
            first=50 if first is None else first,
            after=after,
            goal_type=chosen_type,
        )
        nodes = [Goal.from_row(row, self) for row in page.goals]
        start = [cursors.encode_goal(row.created_at, row.id) for row in page.goals[:1]]
        last = page.goals[-1] if page.goals else None
        end = None if last is None else cursors.encode_goal(last.created_at, last.id)
        return GoalConnection(
            nodes=nodes,
            page_info=_page_info(start, end, page.has_more),
            site_row=self.row,
            goal_type=chosen_type,
        )

    @strawberry.field(
        description="Visitors, visits, pageviews, views per visit, bounce rate and visit "
        "duration over a period (arguments as in Goal.stats); compare fills previous. Needs "
        "analytics:read.",
    )
    async def stats(
        self,
        info: Info[GraphQLContext, None],
        period: PeriodArgument = DEFAULT_PERIOD,
        start_date: FromArgument = None,
        end_date: ToArgument = None,
        compare: CompareArgument = None,
        filter: FilterArgument = None,
    ) -> SiteStats:
        asked = PeriodArguments(period, start_date, end_date, filter)
        query = await self._query(info, partial(query_args, asked, compare=compare))
        stats = await info.context.loaders.site_stats.load(query)
        return SiteStats.from_service(stats, query)

    @strawberry.field(
        description="Visitors and visits per value of a dimension over a period (arguments "
        f"as in Goal.stats), most visitors first; first at most {MAX_ROWS}, after an "
        "endCursor. Needs analytics:read.",
    )
    async def breakdown(
        self,
        info: Info[GraphQLContext, None],
        by: ByArgument,
        period: PeriodArgument = DEFAULT_PERIOD,
        start_date: FromArgument = None,
        end_date: ToArgument = None,
        first: RowsArgument = DEFAULT_ROWS,
        after: AfterArgument = None,
        filter: FilterArgument = None,
    ) -> SiteBreakdownConnection:
        asked = PeriodArguments(period, start_date, end_date, filter)
        query = await self._query(info, partial(query_args, asked, by=by, first=first, after=after))
        found = await info.context.loaders.site_breakdowns.load(query)
        return SiteBreakdownConnection.from_service(found)

    @strawberry.field(
        description=f"Visitors through {funnel_service.MIN_STEPS} to "
        f"{funnel_service.MAX_STEPS} of the site's goals in order (steps, by id), each step "
        "within one visit and after the one before it, over a period (arguments as in "
        "Goal.stats). BAD_USER_INPUT for too few or too many steps, NOT_FOUND for a goal "
        "that is not the site's. Needs analytics:read.",
    )
    async def funnel(
        self,
        info: Info[GraphQLContext, None],
        steps: Annotated[
            list[strawberry.ID],
            strawberry.argument(description="The goals' ids, in the order a visitor reaches them."),
        ],
        period: PeriodArgument = DEFAULT_PERIOD,
        start_date: FromArgument = None,
        end_date: ToArgument = None,
        filter: FilterArgument = None,
    ) -> Funnel:
        principal = await info.context.principal()
        asked = PeriodArguments(period, start_date, end_date, filter)
        found = await funnel_service.funnel(
            info.context.runtime.analytics,
            principal,
            self.key,
            [str(step) for step in steps],
            partial(query_args, asked),
        )
        rng = found.query.range
        return Funnel(
            steps=[
                FunnelStep(
                    goal=Goal.from_row(_saved(step.goal), self),
                    visitors=step.visitors,
                    conversion_rate=step.conversion_rate,
                    drop_off=step.drop_off,
                )
                for step in found.steps
            ],
            start_date=rng.start_date,
            end_date=rng.end_date,
            timezone=rng.timezone,
        )

    async def _query(self, info: Info[GraphQLContext, None], parse: Parse) -> Query:
        """The site's query of the arguments ``parse`` reads, authorised for the caller."""
        principal = await info.context.principal()
        return await authorised_query(info.context.runtime.analytics, principal, self.row, parse)


@strawberry.type(description="The token making the request.")
class Viewer:
    name: str = strawberry.field(description="The token's name, as given when it was made.")
    scopes: list[str] = strawberry.field(
        description="The token's scopes, sorted, e.g. analytics:read and analytics:write."
    )
    principal: strawberry.Private[Principal]

    @strawberry.field(description="The sites this token may see, by key.")
    async def sites(self, info: Info[GraphQLContext, None]) -> list[Site]:
        rows = await site_service.visible_sites(info.context.runtime.db.reader, self.principal)
        return [Site.from_row(row) for row in rows]

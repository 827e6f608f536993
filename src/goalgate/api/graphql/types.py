"""The object types and enums of the schema; plain data as attributes, I/O as async fields.

Objects are built from storage rows once, with every plain field copied into an
attribute: reading an attribute is the cheapest thing GraphQL can do for each
item of a list. Only fields that need the database (``Site.goals``,
``Goal.stats``, ``GoalConnection.totalCount``, ``Viewer.sites``) are resolvers.
"""

from __future__ import annotations

import base64
import binascii
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Annotated

import strawberry
from strawberry.types import Info

from goalgate.api.graphql.context import GraphQLContext
from goalgate.api.graphql.errors import BAD_USER_INPUT, CodedError, bad_user_input
from goalgate.domain import money
from goalgate.domain.goals import GoalType as DomainGoalType
from goalgate.domain.goals import MatchType as DomainMatchType
from goalgate.domain.periods import Period
from goalgate.domain.tokens import Principal
from goalgate.errors import ValidationFailed
from goalgate.services import goals as goal_service
from goalgate.services import sites as site_service
from goalgate.services import stats as stats_service
from goalgate.storage import tables

__all__ = [
    "Goal",
    "GoalConnection",
    "GoalEdge",
    "GoalKind",
    "GoalStats",
    "MatchKind",
    "Money",
    "PageInfo",
    "Site",
    "StatsPeriod",
    "Viewer",
    "decode_cursor",
    "encode_cursor",
]


@strawberry.enum(name="GoalType", description="Which kind of event triggers a goal.")
class GoalKind(Enum):
    PAGEVIEW = DomainGoalType.PAGEVIEW.value
    EVENT = DomainGoalType.EVENT.value
    CUSTOM = DomainGoalType.CUSTOM.value


@strawberry.enum(name="MatchType", description="How a goal's matchValue is compared.")
class MatchKind(Enum):
    EXACT = DomainMatchType.EXACT.value
    CONTAINS = DomainMatchType.CONTAINS.value
    REGEX = DomainMatchType.REGEX.value


@strawberry.enum(
    description="Whole days of the site's calendar, today included; CUSTOM takes from and to."
)
class StatsPeriod(Enum):
    LAST_7_DAYS = Period.LAST_7_DAYS.value
    LAST_30_DAYS = Period.LAST_30_DAYS.value
    LAST_12_MONTHS = Period.LAST_12_MONTHS.value
    CUSTOM = Period.CUSTOM.value


@strawberry.type(description="An exact amount of money in one currency.")
class Money:
    amount: Decimal = strawberry.field(
        description="Rounded to the currency's minor unit (2 places for USD, 0 for JPY)."
    )
    currency: str = strawberry.field(description="ISO 4217 code.")


@strawberry.type(description="A goal's conversions over a period of its site's calendar.")
class GoalStats:
    conversions: int = strawberry.field(description="Events that triggered the goal.")
    unique_conversions: int = strawberry.field(description="Distinct visitors among them.")
    revenue: Money | None = strawberry.field(
        description="Revenue sent in the goal's currency; null when the goal has none."
    )
    first: date = strawberry.field(name="from", description="First day, inclusive.")
    last: date = strawberry.field(name="to", description="Last day, inclusive.")
    timezone: str = strawberry.field(description="The site's IANA time zone.")

    @classmethod
    def from_service(cls, stats: stats_service.GoalStats) -> GoalStats:
        revenue = None
        if stats.revenue is not None and stats.currency is not None:
            amount = money.display_amount(stats.revenue, stats.currency)
            revenue = Money(amount=amount, currency=stats.currency)
        return cls(
            conversions=stats.conversions,
            unique_conversions=stats.unique_conversions,
            revenue=revenue,
            first=stats.range.first,
            last=stats.range.last,
            timezone=stats.range.timezone,
        )


@strawberry.type(description="A conversion goal of a site.")
class Goal:
    id: strawberry.ID
    name: str
    type: GoalKind
    match_type: MatchKind
    match_value: str
    currency: str | None = strawberry.field(
        description="ISO 4217 code of the revenue tracked; null when none is."
    )
    created_at: datetime
    updated_at: datetime
    site: Site
    row: strawberry.Private[tables.Goal]

    @classmethod
    def from_row(cls, row: tables.Goal, site: Site) -> Goal:
        return cls(
            id=strawberry.ID(row.id),
            name=row.name,
            type=GoalKind(row.type),
            match_type=MatchKind(row.match_type),
            match_value=row.match_value,
            currency=row.currency,
            created_at=row.created_at,
            updated_at=row.updated_at,
            site=site,
            row=row,
        )

    @strawberry.field(
        description="Conversions, unique conversions and revenue over a period "
        "(from and to, YYYY-MM-DD, only with period CUSTOM, and then both)."
    )
    async def stats(
        self,
        info: Info[GraphQLContext, None],
        period: StatsPeriod | None = StatsPeriod.LAST_30_DAYS,
        first: Annotated[date | None, strawberry.argument(name="from")] = None,
        last: Annotated[date | None, strawberry.argument(name="to")] = None,
    ) -> GoalStats:
        try:
            # An explicit null means the default, as an absent argument does.
            chosen = (period or StatsPeriod.LAST_30_DAYS).value
            rng = stats_service.site_range(self.site.row, chosen, first, last)
        except ValidationFailed as exc:
            raise bad_user_input(exc) from None
        query = stats_service.StatsQuery(site=self.site.row, goal=self.row, range=rng)
        # Every goal's stats in this request go to stats_for in one batch.
        return GoalStats.from_service(await info.context.loaders.stats.load(query))


@strawberry.type
class GoalEdge:
    cursor: str
    node: Goal


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


@strawberry.type(description="One page of a site's goals, oldest first.")
class GoalConnection:
    nodes: list[Goal]
    page_info: PageInfo
    site_row: strawberry.Private[tables.Site]
    goal_type: strawberry.Private[str | None]

    @strawberry.field
    def edges(self) -> list[GoalEdge]:
        return [GoalEdge(cursor=encode_cursor(goal.row), node=goal) for goal in self.nodes]

    @strawberry.field(description="Goals of the site (of the type asked for), all pages.")
    async def total_count(self, info: Info[GraphQLContext, None]) -> int:
        # Counted only when asked for: most pages do not show a total.
        principal = await info.context.principal()
        async with info.context.reads.session() as session:
            return await goal_service.count_goals(
                session, principal, self.site_row, goal_type=self.goal_type
            )


@strawberry.type(description="A website whose conversions are tracked.")
class Site:
    key: str
    domain: str
    timezone: str = strawberry.field(description="IANA time zone of the site's calendar.")
    row: strawberry.Private[tables.Site]

    @classmethod
    def from_row(cls, row: tables.Site) -> Site:
        return cls(key=row.key, domain=row.domain, timezone=row.timezone, row=row)

    @strawberry.field(
        description=f"Goals oldest first; first at most {goal_service.MAX_PAGE_SIZE}."
    )
    async def goals(
        self,
        info: Info[GraphQLContext, None],
        first: int | None = 50,
        after: str | None = None,
        goal_type: Annotated[GoalKind | None, strawberry.argument(name="type")] = None,
    ) -> GoalConnection:
        principal = await info.context.principal()
        cursor = None if after is None else decode_cursor(after)
        kind = None if goal_type is None else goal_type.value
        try:
            async with info.context.reads.session() as session:
                page = await goal_service.page_goals(
                    session,
                    principal,
                    self.row,
                    first=50 if first is None else first,
                    after=cursor,
                    goal_type=kind,
                )
        except ValidationFailed as exc:
            raise bad_user_input(exc) from None
        nodes = [Goal.from_row(row, self) for row in page.goals]
        end = encode_cursor(page.goals[-1]) if page.goals else None
        return GoalConnection(
            nodes=nodes,
            page_info=PageInfo(has_next_page=page.has_more, end_cursor=end),
            site_row=self.row,
            goal_type=kind,
        )


@strawberry.type(description="The token making the request.")
class Viewer:
    name: str
    scopes: list[str] = strawberry.field(description="e.g. analytics:read, analytics:write")
    principal: strawberry.Private[Principal]

    @strawberry.field(description="The sites this token may see, by key.")
    async def sites(self, info: Info[GraphQLContext, None]) -> list[Site]:
        async with info.context.reads.session() as session:
            rows = await site_service.visible_sites(session, self.principal)
        return [Site.from_row(row) for row in rows]


def encode_cursor(goal: tables.Goal) -> str:
    """An opaque position: the (created_at, id) that goals are ordered by."""
    raw = f"{goal.created_at.isoformat()}|{goal.id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    """The position of a cursor from ``encode_cursor``; BAD_USER_INPUT for anything else."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        stamp, _, goal_id = raw.partition("|")
        created_at = datetime.fromisoformat(stamp)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        created_at = None
        goal_id = ""
    canonical = goal_service.parse_goal_id(goal_id)
    if created_at is None or created_at.tzinfo is None or canonical is None:
        raise CodedError(
            "after: not a cursor given by this API", BAD_USER_INPUT, arguments={"after": "invalid"}
        )
    return created_at, canonical

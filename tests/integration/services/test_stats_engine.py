"""The stats engine on a real database: key index freshness and batched aggregation."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import insert

from goalgate.domain import money
from goalgate.domain.goals import GoalType, MatchType
from goalgate.domain.periods import resolve_period
from goalgate.services import goals as goal_service
from goalgate.services import stats as stats_service
from goalgate.services import tokens as token_service
from goalgate.services.matching import KeyIndex
from goalgate.storage import sites as site_store
from goalgate.storage.db import Database
from goalgate.storage.tables import Event, EventKey
from tests.helpers.data import make_token, sites_of
from tests.helpers.http import bearer

DAY = date(2024, 5, 10)
NOON_MS = int(datetime(2024, 5, 10, 12, tzinfo=UTC).timestamp() * 1000)


async def add_keys(db: Database, site_id: int, kind: str, values: list[str]) -> dict[str, int]:
    async with db.write() as session:
        rows = [EventKey(site_id=site_id, kind=kind, value=value) for value in values]
        session.add_all(rows)
        await session.flush()
        return {row.value: int(row.id or 0) for row in rows}


async def add_events(
    db: Database,
    site_id: int,
    key_id: int,
    visitors: list[int],
    revenue: tuple[int, str] | None = None,
) -> None:
    async with db.write() as session:
        conn = await session.connection()
        await conn.execute(
            insert(Event),
            [
                {
                    "site_id": site_id,
                    "key_id": key_id,
                    "ts": NOON_MS,
                    "visitor": visitor,
                    "revenue_micros": revenue[0] if revenue else None,
                    "revenue_currency": revenue[1] if revenue else None,
                }
                for visitor in visitors
            ],
        )


async def site_id_of(db: Database, key: str) -> int:
    site = await site_store.site_by_key(db.reader, key)
    assert site is not None
    assert site.id is not None
    return site.id


async def test_key_index_sees_keys_added_after_its_first_look(db: Database, site: str) -> None:
    site_id = await site_id_of(db, site)
    await add_keys(db, site_id, "pageview", ["/blog/1", "/about"])
    index = KeyIndex(db.reader)

    async def blog_keys() -> list[int]:
        return await index.matching_keys(
            site_id=site_id,
            goal_type=GoalType.PAGEVIEW,
            match_type=MatchType.REGEX,
            match_value=r"^/blog/\d+$",
        )

    first = await blog_keys()
    added = await add_keys(db, site_id, "pageview", ["/blog/2", "/blog/x", "/blog/3/"])
    second = await blog_keys()
    assert len(first) == 1
    assert second == [*first, added["/blog/2"]]
    exact = await index.matching_keys(
        site_id=site_id,
        goal_type=GoalType.PAGEVIEW,
        match_type=MatchType.EXACT,
        match_value="/blog/x",
    )
    other_kind = await index.matching_keys(
        site_id=site_id,
        goal_type=GoalType.EVENT,
        match_type=MatchType.CONTAINS,
        match_value="blog",
    )
    assert exact == [added["/blog/x"]]
    assert other_kind == []


async def test_many_goals_are_aggregated_in_one_call_with_exact_numbers(
    db: Database, site: str
) -> None:
    site_id = await site_id_of(db, site)
    keys = await add_keys(db, site_id, "goal", ["purchase", "purchase_gift", "refund"])
    await add_events(db, site_id, keys["purchase"], [1, 1, 2], revenue=(19_990_000, "USD"))
    await add_events(db, site_id, keys["purchase_gift"], [3], revenue=(5_000_000, "EUR"))
    await add_events(db, site_id, keys["refund"], [4, 5])
    secret = await make_token(db)
    principal = await token_service.authenticate(db, bearer(secret)["Authorization"])
    async with db.write() as session:
        exact = await goal_service.create_goal(
            session,
            sites_of(db),
            principal,
            site,
            name="Purchase",
            type="custom",
            match_type="exact",
            match_value="purchase",
            currency="USD",
        )
        contains = await goal_service.create_goal(
            session,
            sites_of(db),
            principal,
            site,
            name="Any purchase",
            type="custom",
            match_type="contains",
            match_value="purchase",
            currency="EUR",
        )
        none = await goal_service.create_goal(
            session,
            sites_of(db),
            principal,
            site,
            name="Nothing",
            type="custom",
            match_type="exact",
            match_value="nothing",
        )
        site_row = await site_store.site_by_key(db.reader, site)
    assert site_row is not None
    rng = resolve_period("custom", timezone="UTC", now=datetime.now(UTC), first=DAY, last=DAY)
    results = await stats_service.stats_for(
        db,
        KeyIndex(db.reader),
        [
            stats_service.StatsQuery(site=site_row, goal=g, range=rng)
            for g in (exact, contains, none)
        ],
    )
    assert [(r.conversions, r.unique_conversions, r.revenue) for r in results] == [
        (3, 2, money.from_micros(59_970_000)),
        (4, 3, money.from_micros(5_000_000)),
        (0, 0, None),
    ]
    assert str(results[0].revenue) == "59.970000"

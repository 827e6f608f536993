"""The stats engine on a real database: key index freshness and batched aggregation."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlmodel import select

from goalgate.domain import money
from goalgate.domain.goals import GoalType, MatchType
from goalgate.domain.periods import resolve_period
from goalgate.domain.query import Query
from goalgate.services import stats as stats_service
from goalgate.services.matching import KeyIndex
from goalgate.storage import sites as site_store
from goalgate.storage.db import Database
from goalgate.storage.tables import EventKey
from tests.helpers.data import insert_events, make_goal, make_token

DAY = date(2024, 5, 10)
NOON_MS = int(datetime(2024, 5, 10, 12, tzinfo=UTC).timestamp() * 1000)


async def add_keys(db: Database, site_key: str, kind: str, values: list[str]) -> dict[str, int]:
    """A key of each value, through the product's writer (an event each); their ids."""
    await insert_events(db, site_key, [(kind, value, NOON_MS, 1, None) for value in values])
    async with db.engine.connect() as connection:
        rows = await connection.execute(
            select(EventKey.value, EventKey.id).where(
                EventKey.kind == kind,
                EventKey.value.in_(values),  # type: ignore[attr-defined]
            )
        )
        return {value: key_id for value, key_id in rows}


async def site_id_of(db: Database, key: str) -> int:
    site = await site_store.site_by_key(db.reader, key)
    assert site is not None
    assert site.id is not None
    return site.id


async def test_key_index_sees_keys_added_after_its_first_look(db: Database, site: str) -> None:
    site_id = await site_id_of(db, site)
    await add_keys(db, site, "pageview", ["/blog/1", "/about"])
    index = KeyIndex(db.reader)

    async def blog_keys() -> list[int]:
        return await index.matching_keys(
            site_id=site_id,
            goal_type=GoalType.PAGEVIEW,
            match_type=MatchType.REGEX,
            match_value=r"^/blog/\d+$",
        )

    first = await blog_keys()
    added = await add_keys(db, site, "pageview", ["/blog/2", "/blog/x", "/blog/3/"])
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
    usd, eur = (19_990_000, "USD"), (5_000_000, "EUR")
    await insert_events(
        db,
        site,
        [("goal", "purchase", NOON_MS, visitor, usd) for visitor in (1, 1, 2)]
        + [("goal", "purchase_gift", NOON_MS, 3, eur)]
        + [("goal", "refund", NOON_MS, visitor, None) for visitor in (4, 5)],
    )
    await make_token(db)
    custom = {"type": "custom", "match_type": "exact"}
    exact = await make_goal(
        db, site, name="Purchase", match_value="purchase", currency="USD", **custom
    )
    contains = await make_goal(
        db,
        site,
        name="Any purchase",
        type="custom",
        match_type="contains",
        match_value="purchase",
        currency="EUR",
    )
    none = await make_goal(db, site, name="Nothing", match_value="nothing", **custom)
    site_row = await site_store.site_by_key(db.reader, site)
    assert site_row is not None
    rng = resolve_period(
        "custom", timezone="UTC", now=datetime.now(UTC), start_date=DAY, end_date=DAY
    )
    results = await stats_service.stats_for(
        db,
        KeyIndex(db.reader),
        [Query(site=site_row, goals=(g,), range=rng) for g in (exact, contains, none)],
    )
    assert [(r.conversions, r.unique_conversions, r.revenue) for r in results] == [
        (3, 2, money.from_micros(59_970_000)),
        (4, 3, money.from_micros(5_000_000)),
        (0, 0, None),
    ]
    assert str(results[0].revenue) == "59.970000"


async def test_key_index_reads_a_dictionary_in_chunks_and_goes_on_where_a_cut_stopped(
    db: Database, site: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A first look at a large dictionary is read in chunks, each kept as it comes:
    one cut short (here: the request's read budget ends after the first chunk) is
    taken up by the next call where it stopped."""
    from goalgate.errors import BudgetExceeded
    from goalgate.storage import stats as stats_store

    site_id = await site_id_of(db, site)
    paths = [f"/blog/{n}" for n in range(7)]
    ids = await add_keys(db, site, "pageview", paths)
    monkeypatch.setattr(stats_store, "KEYS_CHUNK", 3)
    real = stats_store.keys_after
    reads: list[int] = []

    async def cut_after_one_chunk(reader: object, *args: object) -> object:
        reads.append(int(args[-1]))  # type: ignore[call-overload]
        if len(reads) == 2:
            raise BudgetExceeded("over the read budget")
        return await real(reader, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(stats_store, "keys_after", cut_after_one_chunk)
    index = KeyIndex(db.reader)
    with pytest.raises(BudgetExceeded):
        await index.matching_keys(
            site_id=site_id, goal_type=GoalType.PAGEVIEW, match_type=MatchType.CONTAINS,
            match_value="/blog/",
        )  # fmt: skip
    assert index.key_count == 3  # the first chunk was kept
    matched = await index.matching_keys(
        site_id=site_id, goal_type=GoalType.PAGEVIEW, match_type=MatchType.CONTAINS,
        match_value="/blog/",
    )  # fmt: skip
    assert matched == [ids[path] for path in paths]
    # After: 0 (the first chunk of 3), the cut, then on from the third key: a
    # full chunk of 3, and the last key (a short chunk: the end).
    assert reads == [0, ids[paths[2]], ids[paths[2]], ids[paths[5]]]

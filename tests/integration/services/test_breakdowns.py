"""Breakdowns and filters on a real database: ordering, paging, revenue, rates, entry pages."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from goalgate.domain import cursors
from goalgate.domain.dimensions import Dimension
from goalgate.domain.filters import FilterOperator, filter_clause, parse_clause, stats_filter
from goalgate.domain.periods import resolve_period
from goalgate.domain.query import Page, Query
from goalgate.errors import ValidationFailed
from goalgate.services import breakdowns, insights
from goalgate.services import stats as stats_service
from goalgate.services.matching import KeyIndex
from goalgate.storage import sites as site_store
from goalgate.storage.db import Database
from tests.helpers.breakdowns import write_sample
from tests.helpers.data import goal_on, make_site

NOW = datetime(2024, 4, 15, 12, tzinfo=UTC)
D = Dimension


async def arrange(db: Database, currency: str | None = "USD") -> tuple[KeyIndex, Query]:
    key = await make_site(db)
    _, goal = await goal_on(
        db, key, name="Buy", type="custom", match_type="exact", match_value="buy", currency=currency
    )
    await write_sample(db, key)
    site = await site_store.site_by_key(db.reader, key)
    assert site is not None
    rng = resolve_period(
        "custom", timezone="UTC", now=NOW, start_date="2024-03-01", end_date="2024-03-31"
    )
    return KeyIndex(db.reader), Query(site=site, goals=(goal,), range=rng)


def rows(result: breakdowns.Breakdown) -> list[tuple[Any, ...]]:
    return [(r.value, r.conversions, r.unique_conversions, r.revenue) for r in result.rows]


async def breakdown(
    db: Database, keys: KeyIndex, query: Query, dimension: Dimension, **page: Any
) -> breakdowns.Breakdown:
    asked = replace(query, dimension=dimension, page=Page(**page))
    [result] = await breakdowns.breakdowns_for(db, keys, [asked])
    return result


async def test_breakdown_by_source_orders_by_conversions_then_value_with_none_bucket(
    db: Database,
) -> None:
    keys, query = await arrange(db)
    result = await breakdown(db, keys, query, D.SOURCE)
    assert rows(result) == [
        ("Google", 2, 1, Decimal("12")),
        ("(none)", 1, 1, Decimal("0")),
        ("Twitter", 1, 1, Decimal("6")),
    ]
    assert result.has_next_page is False
    asked = [(result.query, row.value_id) for row in result.rows]
    assert await breakdowns.value_visitors(db, keys, asked) == [1, 1, 2]


async def test_breakdown_pages_follow_the_cursor_and_end(db: Database) -> None:
    keys, query = await arrange(db)
    seen = []
    after = None
    pages = 0
    while True:
        result = await breakdown(db, keys, query, D.SOURCE, first=1, after=after)
        pages += 1
        seen += rows(result)
        if not result.has_next_page:
            break
        after = cursors.decode_breakdown(result.end_cursor)
    assert pages == 3
    assert [value for value, *_ in seen] == ["Google", "(none)", "Twitter"]


async def test_breakdown_revenue_is_null_when_the_goal_tracks_none(db: Database) -> None:
    keys, query = await arrange(db, currency=None)
    result = await breakdown(db, keys, query, D.SOURCE)
    assert rows(result) == [("Google", 2, 1, None), ("(none)", 1, 1, None), ("Twitter", 1, 1, None)]


async def test_breakdown_by_page_and_entry_page(db: Database) -> None:
    keys, query = await arrange(db)
    pages = await breakdown(db, keys, query, D.PAGE)
    assert [(v, n) for v, n, *_ in rows(pages)] == [("/pricing", 2), ("(none)", 1), ("/blog", 1)]
    entries = await breakdown(db, keys, query, D.ENTRY_PAGE)
    # The pages of the conversions' visits' first events: visitor 1's visit of
    # 5 March starts at 10:00 on /pricing (/home at 09:00 is an hour before, a
    # visit of its own), the one of 7 March with the conversion itself, on
    # /pricing; visitor 3's conversion has no page.
    assert [(v, n) for v, n, *_ in rows(entries)] == [("/pricing", 2), ("(none)", 1), ("/blog", 1)]


async def test_breakdown_by_country_and_device_show_unknown(db: Database) -> None:
    keys, query = await arrange(db)
    countries = await breakdown(db, keys, query, D.COUNTRY)
    assert [(v, n) for v, n, *_ in rows(countries)] == [("(unknown)", 3), ("DE", 1)]


def clauses(*texts: str) -> Any:
    return stats_filter([parse_clause(text) for text in texts])


@pytest.mark.parametrize(
    ("texts", "conversions", "revenue"),
    [
        (("source:is:google|TWITTER",), 3, Decimal("18")),
        (("source:is_not:Google",), 2, Decimal("6")),  # keeps the event without a source
        (("source:is:(none)",), 1, Decimal("0")),
        (("source:is_not:(none)|Twitter",), 2, Decimal("12")),
        (("source:contains:OOG",), 2, Decimal("12")),
        (("page:contains:PRIC",), 2, Decimal("12")),
        (("entry_page:is:/pricing",), 2, Decimal("12")),
        (("entry_page:is_not:/pricing",), 2, Decimal("6")),  # keeps the visit without one
        (("country:is:de",), 1, Decimal("10")),
        (("device:is:mobile", "source:is:Twitter"), 1, Decimal("6")),
        (("source:is:Bing",), 0, Decimal("0")),
        (("source:is:Nowhere",), 0, Decimal("0")),
    ],
)
async def test_filters_apply_to_stats(
    db: Database, texts: tuple[str, ...], conversions: int, revenue: Decimal
) -> None:
    keys, query = await arrange(db)
    filtered = replace(query, filter=clauses(*texts))
    [stats] = await stats_service.stats_for(db, keys, [filtered])
    assert (stats.conversions, stats.revenue) == (conversions, revenue)


async def test_filters_apply_to_breakdowns_and_visitors(db: Database) -> None:
    keys, query = await arrange(db)
    only = clauses("device:is:desktop")
    filtered = replace(query, filter=only)
    result = await breakdown(db, keys, filtered, D.SOURCE)
    assert rows(result) == [("Google", 1, 1, Decimal("10"))]
    assert await breakdowns.value_visitors(db, keys, [(result.query, result.rows[0].value_id)]) == [
        1
    ]
    # The site's visitors with the filter: only visitor 1 had a desktop event.
    assert await insights.visitors_for(db, keys, [filtered]) == [1]
    assert await insights.visitors_for(db, keys, [query]) == [4]


def test_filter_values_that_can_never_exist_are_faults_naming_the_filter() -> None:
    with pytest.raises(ValidationFailed) as caught:
        parse_clause("device:is:fridge")
    assert caught.value.fields == {
        "filter": "device: 'fridge' must be one of desktop, mobile, tablet"
    }
    with pytest.raises(ValidationFailed) as caught:
        parse_clause("colour:is:red")
    assert list(caught.value.fields) == ["filter"]
    with pytest.raises(ValidationFailed):
        filter_clause(Dimension.SOURCE, FilterOperator.IS, [])
    with pytest.raises(ValidationFailed):
        filter_clause(Dimension.SOURCE, FilterOperator.IS, ["x"] * 51)
    with pytest.raises(ValidationFailed):
        stats_filter([parse_clause(f"source:is:S{n}") for n in range(11)])


def test_cursor_round_trip_and_garbage() -> None:
    row = breakdowns.BreakdownRow("Ünïcode|x", 3, 2, None, 7)
    assert cursors.decode_breakdown(breakdowns.cursor_of(row)) == (3, "Ünïcode|x")
    with pytest.raises(ValidationFailed) as caught:
        cursors.decode_breakdown("nonsense")
    assert caught.value.fields == {"after": "not a cursor given by this API"}

"""Time series, visitors, conversion rate and preview on a real database."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from goalgate.domain.periods import Interval, resolve_period
from goalgate.domain.query import Query
from goalgate.services import insights
from goalgate.services.matching import KeyIndex
from goalgate.storage.db import Database
from tests.helpers.data import READ, goal_on, insert_events, make_site, make_token
from tests.helpers.http import Client, bearer
from tests.helpers.time import ms

NOW = datetime(2024, 4, 15, 12, tzinfo=UTC)


async def test_daily_series_over_a_dst_change_is_zero_filled_and_sums_to_the_totals(
    db: Database,
) -> None:
    key = await make_site(db, "sk_berlin", timezone="Europe/Berlin")
    site, goal = await goal_on(
        db, key, name="Buy", type="custom", match_type="exact", match_value="buy", currency="EUR"
    )
    await insert_events(
        db,
        key,
        [
            # 2024-03-30 23:30 UTC is already 31 March in Berlin (00:30 CET... +1h).
            ("goal", "buy", ms("2024-03-30T23:30:00+00:00"), 1, (1_000_000, "EUR")),
            ("goal", "buy", ms("2024-03-30T22:59:59+00:00"), 2, (2_500_000, "EUR")),
            # 31 March lasts 23 hours: 22:00 UTC on the 31st is 1 April 00:00 CEST.
            ("goal", "buy", ms("2024-03-31T21:59:59+00:00"), 1, None),
            ("goal", "buy", ms("2024-03-31T22:00:00+00:00"), 3, (990_000, "USD")),
            ("goal", "buy", ms("2024-04-02T10:00:00+00:00"), 3, (100_000, "EUR")),
        ],
    )
    rng = resolve_period(
        "custom", timezone="Europe/Berlin", now=NOW, start_date="2024-03-29", end_date="2024-04-02"
    )
    [series] = await insights.timeseries_for(
        db, KeyIndex(db.reader), [Query(site, rng, (goal,))], Interval.DAY
    )
    assert [(b.start_date, b.conversions, b.unique_conversions, b.revenue) for b in series] == [
        (date(2024, 3, 29), 0, 0, Decimal("0.000000")),
        (date(2024, 3, 30), 1, 1, Decimal("2.500000")),
        (date(2024, 3, 31), 2, 1, Decimal("1.000000")),
        (date(2024, 4, 1), 1, 1, Decimal("0.000000")),
        (date(2024, 4, 2), 1, 1, Decimal("0.100000")),
    ]
    [weekly] = await insights.timeseries_for(
        db, KeyIndex(db.reader), [Query(site, rng, (goal,))], Interval.WEEK
    )
    assert [(b.start_date, b.conversions, b.unique_conversions) for b in weekly] == [
        (date(2024, 3, 29), 3, 2),
        (date(2024, 4, 1), 2, 1),
    ]
    assert sum(b.conversions for b in series) == 5


async def test_monthly_series_and_goals_without_currency(db: Database) -> None:
    key = await make_site(db, "sk_utc")
    site, goal = await goal_on(
        db, key, name="Blog", type="pageview", match_type="regex", match_value=r"^/blog/\d+$"
    )
    await insert_events(
        db,
        key,
        [
            ("pageview", "/blog/1", ms("2024-01-31T23:59:59+00:00"), 1, None),
            ("pageview", "/blog/2", ms("2024-02-01T00:00:00+00:00"), 1, None),
            ("pageview", "/blog/2/", ms("2024-02-02T00:00:00+00:00"), 2, None),
            ("pageview", "/blog/3", ms("2024-04-15T00:00:00+00:00"), 2, None),
        ],
    )
    rng = resolve_period("12mo", timezone="UTC", now=NOW)
    [series] = await insights.timeseries_for(
        db, KeyIndex(db.reader), [Query(site, rng, (goal,))], Interval.MONTH
    )
    assert len(series) == 12
    assert series[0].start_date == date(2023, 5, 1)
    by_month = {b.start_date: (b.conversions, b.revenue) for b in series if b.conversions}
    assert by_month == {
        date(2024, 1, 1): (1, None),
        date(2024, 2, 1): (1, None),
        date(2024, 4, 1): (1, None),
    }


async def test_visitors_and_conversion_rate(db: Database) -> None:
    key = await make_site(db, "sk_rate")
    site, _ = await goal_on(
        db, key, name="Signup", type="event", match_type="exact", match_value="signup"
    )
    day = ms("2024-04-10T12:00:00+00:00")
    await insert_events(
        db,
        key,
        [("pageview", "/", day, visitor, None) for visitor in range(8)]
        + [("event", "signup", day, 1, None), ("event", "signup", day, 2, None)]
        + [("pageview", "/", ms("2024-01-01T00:00:00+00:00"), 99, None)],
    )
    rng = resolve_period("7d", timezone="UTC", now=NOW)
    assert await insights.visitors_for(db, KeyIndex(db.reader), [Query(site, rng)]) == [8]
    assert insights.conversion_rate(2, 8) == 0.25
    assert insights.conversion_rate(0, 0) == 0.0
    assert insights.relative_change(3, 2) == 0.5
    assert insights.relative_change(3, 0) is None


# --- the REST preview route ---------------------------------------------------------


@pytest.fixture
async def blog_site(db: Database) -> str:
    key = await make_site(db, "sk_blog")
    now = int(datetime.now(UTC).timestamp() * 1000)
    await insert_events(
        db,
        key,
        [("pageview", "/blog/42", now - 1000, v, None) for v in range(3)]
        + [("pageview", "/blog/7", now - 1000, 1, None)]
        + [("pageview", "/blog/7/comments", now - 1000, 1, None)]
        + [("pageview", "/about", now - 1000, 1, None)],
    )
    return key


async def test_preview_returns_stats_and_top_matches_without_saving(
    client: Client, db: Database, blog_site: str
) -> None:
    secret = await make_token(db, READ)
    url = f"/api/v1/analytics/sites/{blog_site}/goals/preview"
    body = {"type": "pageview", "match_type": "regex", "match_value": r"^/blog/\d+"}
    response = await client.post(url, json=body, headers=bearer(secret))
    assert response.status_code == 200, response.text
    assert response.json() == {
        "data": {
            "conversions": 5,
            "unique_conversions": 3,
            "revenue": None,
            "top_matches": [
                {"value": "/blog/42", "conversions": 3},
                {"value": "/blog/7", "conversions": 1},
                {"value": "/blog/7/comments", "conversions": 1},
            ],
        }
    }
    goals = await client.get(f"/api/v1/analytics/sites/{blog_site}/goals", headers=bearer(secret))
    assert goals.json() == {"data": []}


async def test_preview_rejects_what_create_rejects(
    client: Client, db: Database, blog_site: str
) -> None:
    secret = await make_token(db, READ)
    url = f"/api/v1/analytics/sites/{blog_site}/goals/preview"
    response = await client.post(
        url,
        json={"type": "pageview", "match_type": "regex", "match_value": "(?<=x)"},
        headers=bearer(secret),
    )
    assert response.status_code == 422
    assert response.json() == {
        "error": {
            "code": "validation_error",
            "message": "the goal is not valid",
            "fields": {
                "match_value": "not a valid RE2 regular expression: invalid perl operator: (?<="
            },
        }
    }
    bad_period = await client.post(
        url + "?period=1y",
        json={"type": "event", "match_type": "exact", "match_value": "x"},
        headers=bearer(secret),
    )
    assert bad_period.status_code == 422
    assert bad_period.json()["error"]["fields"] == {
        "period": "must be one of 7d, 30d, 12mo, custom"
    }

"""`goalgate demo`: a year of events once, and every demo goal with numbers at once."""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import text
from typer.testing import CliRunner

from goalgate.cli import app
from goalgate.domain import referrers
from goalgate.domain.dimensions import STORED, Dimension, canonical
from goalgate.domain.query import QueryArgs
from goalgate.domain.tokens import Principal, Scope
from goalgate.services import stats as stats_service
from goalgate.services.demo import DEMO_SITE_KEY
from goalgate.services.matching import KeyIndex
from goalgate.services.queries import Analytics
from goalgate.storage import goals as goal_store
from goalgate.storage import sites as site_store
from goalgate.storage.db import Database
from tests.helpers.data import sites_of, stored_events, with_db

ADMIN = Principal(
    token_id=0, name="test", scopes=frozenset(Scope), site_keys=frozenset({DEMO_SITE_KEY})
)


def demo(url: str, token_file: Path) -> tuple[int, int]:
    result = CliRunner().invoke(
        app, ["demo", "--token-file", str(token_file)], env={"GOALGATE_DATABASE_URL": url}
    )
    assert result.exit_code == 0, result.output
    found = re.search(r"\((\d+) goals, (\d+) events\)", result.stdout)
    assert found is not None, result.stdout
    return int(found.group(1)), int(found.group(2))


async def goal_numbers(db: Database, period: str) -> dict[str, tuple[int, int, str | None]]:
    site = await site_store.site_by_key(db.reader, DEMO_SITE_KEY)
    assert site is not None
    assert site.id is not None
    goals = await goal_store.goals_of_site(db.reader, site.id)
    found = {}
    for goal in goals:
        analytics = Analytics(db, KeyIndex(db.reader), sites_of(db))
        stats = await stats_service.goal_stats(
            analytics, ADMIN, DEMO_SITE_KEY, goal.id, partial(QueryArgs, period)
        )
        revenue = None if stats.revenue is None else str(stats.revenue)
        found[goal.name] = (stats.conversions, stats.unique_conversions, revenue)
    return found


def test_demo_seeds_a_year_of_events_once(database_url: str, tmp_path: Path) -> None:
    goals, events = demo(database_url, tmp_path / "token")
    assert goals == 5
    assert 30_000 <= events <= 60_000
    assert demo(database_url, tmp_path / "token") == (5, events)

    stored = with_db(database_url, stored_events)
    assert len(stored) == events
    now_ms = int(datetime.now(UTC).timestamp() * 1000)
    year_ago_ms = int((datetime.now(UTC) - timedelta(days=366)).timestamp() * 1000)
    assert all(year_ago_ms <= e["ts"] <= now_ms for e in stored)

    values = Counter((e["kind"], e["value"]) for e in stored)
    assert values[("pageview", "/thank-you")] > 0
    assert values[("event", "signup")] > 0
    assert values[("event", "contact_form")] > 0
    assert values[("event", "contact_sales")] > 0
    assert sum(n for (kind, value), n in values.items() if value.startswith("/blog/")) > 0
    currencies = Counter(e["currency"] for e in stored if e["kind"] == "goal")
    assert currencies["USD"] > currencies["EUR"] > 0

    visits = Counter(e["visitor"] for e in stored)
    assert sum(1 for n in visits.values() if n >= 10) >= 50  # repeat visitors

    berlin = ZoneInfo("Europe/Berlin")
    by_weekday = Counter(datetime.fromtimestamp(e["ts"] / 1000, berlin).weekday() for e in stored)
    weekdays = sum(by_weekday[d] for d in range(5)) / 5
    weekends = sum(by_weekday[d] for d in (5, 6)) / 2
    assert weekdays > 1.5 * weekends

    month = with_db(database_url, lambda db: goal_numbers(db, "30d"))
    assert set(month) == {"Thank You Page", "Signup", "Purchase", "Blog Post Read", "Contact Form"}
    for name, (conversions, uniques, _) in month.items():
        assert conversions > 0, name
        assert 0 < uniques <= conversions, name
    revenue = month["Purchase"][2]
    assert revenue is not None
    assert float(revenue) > 0
    assert month["Signup"][2] is None


async def demo_dimensions(db: Database) -> list[dict[str, Any]]:
    """Every stored event: kind, matched value, visitor, and each dimension's value (or None)."""
    columns = ", ".join(
        f"(SELECT d.value FROM event_keys AS d WHERE d.id = e.{dim.column}) AS {dim.value}"  # noqa: S608
        for dim in STORED
    )
    query = f"SELECT k.kind, k.value, e.visitor, {columns} FROM events AS e "  # noqa: S608
    query += "JOIN event_keys AS k ON k.id = e.key_id ORDER BY e.id"
    async with db.engine.connect() as connection:
        result = await connection.execute(text(query))
        return [dict(row._mapping) for row in result]


def test_demo_events_come_from_realistic_sources_places_and_devices(
    database_url: str, tmp_path: Path
) -> None:
    """What `make run` shows in breakdowns: sources, campaigns, pages, countries, clients."""
    demo(database_url, tmp_path / "token")
    rows = with_db(database_url, demo_dimensions)
    assert len(rows) > 30_000

    def count(dimension: str) -> Counter[str | None]:
        return Counter(row[dimension] for row in rows)

    sources, countries = count("source"), count("country")
    assert len(sources) - 1 >= 10  # None (direct) is not a source
    assert {"Google", "Twitter", "Newsletter", "Hacker News", "DuckDuckGo"} <= set(sources)
    assert 0.2 < sources[None] / len(rows) < 0.5  # direct traffic
    assert sources.most_common(1)[0][0] == "Google"
    assert len(countries) - 1 >= 15
    assert countries.most_common(1)[0][0] == "US"
    assert 0 < countries[None] / len(rows) < 0.1  # some unknown, as without GeoIP match
    assert set(count("device")) == {"Desktop", "Mobile", "Tablet"}
    assert len(set(count("browser"))) >= 6
    assert {"Windows", "Mac OS X", "iOS", "Android", "Linux"} <= set(count("os"))
    campaigns = count("utm_campaign")
    assert len(campaigns) - 1 >= 5
    assert 0.03 < 1 - campaigns[None] / len(rows) < 0.25  # a share of visits is tagged

    for row in rows:
        # the form the server stores, and nothing left unknown but what may be
        for dimension in STORED:
            value = row[dimension.value]
            assert value is None or canonical(dimension, value) == value, (dimension, value)
        assert row["page"] is not None
        assert row["device"] is not None
        # the referrer domain names the source; tagged visits carry source and medium
        if row["referrer_domain"] is not None:
            assert row["source"] == canonical(
                Dimension.SOURCE, referrers.source_of_domain(row["referrer_domain"])
            )
        elif row["source"] is not None:  # no referrer: the utm_source tag names it
            assert row["source"] == canonical(
                Dimension.SOURCE, referrers.source_of_tag(row["utm_source"])
            )
        tagged = [row[d.value] is not None for d in (Dimension.UTM_SOURCE, Dimension.UTM_MEDIUM)]
        assert tagged == [row["utm_campaign"] is not None] * 2
        # clients that exist
        if row["os"] == "iOS":
            assert row["device"] in ("Mobile", "Tablet")
            assert row["browser"] in ("Mobile Safari", "Chrome Mobile iOS")
        if row["browser"] == "Mobile Safari":
            assert row["os"] == "iOS"
        if row["os"] in ("Windows", "Mac OS X", "Linux"):
            assert row["device"] == "Desktop"
        # the page: a pageview's own path, or the page the event fired on
        if row["kind"] == "pageview":
            assert row["page"] == row["value"]
        elif row["value"] == "purchase":
            assert row["page"] == "/checkout"
        elif row["value"] == "signup":
            assert row["page"] == "/signup"

    # a returning (identified) visitor keeps one country and device
    clients: dict[int, set[tuple[str | None, ...]]] = {}
    for row in rows:
        if row["visitor"] >= 1 << 62:
            client = (row["country"], row["device"], row["browser"], row["os"])
            clients.setdefault(row["visitor"], set()).add(client)
    assert len(clients) > 100
    assert all(len(seen) == 1 for seen in clients.values())

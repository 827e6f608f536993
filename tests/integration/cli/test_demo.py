"""`goalgate demo`: a year of events once, and every demo goal with numbers at once."""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from typer.testing import CliRunner

from goalgate.cli import app
from goalgate.domain.tokens import Principal, Scope
from goalgate.services import stats as stats_service
from goalgate.services.demo import DEMO_SITE_KEY
from goalgate.services.matching import KeyIndex
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
        stats = await stats_service.goal_stats(
            db, KeyIndex(db.reader), sites_of(db), ADMIN, DEMO_SITE_KEY, goal.id, period=period
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

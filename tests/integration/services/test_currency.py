"""Revenue in other currencies: converted at the rate of the event's day."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from goalgate.cli import app as cli
from goalgate.domain.periods import Interval, resolve_period
from goalgate.domain.query import Query
from goalgate.errors import Conflict
from goalgate.services import insights, rates
from goalgate.services import stats as stats_service
from goalgate.services.matching import KeyIndex
from goalgate.storage import sites as site_store
from goalgate.storage.db import Database
from tests.helpers.currency import PURCHASES, RATES
from tests.helpers.data import insert_events, make_goal, make_site, make_token
from tests.helpers.http import Client, bearer


async def test_foreign_revenue_is_converted_at_the_rate_of_its_day(
    client: Client, db: Database
) -> None:
    report = await rates.import_rates(db, RATES.splitlines(keepends=True), base="eur")
    assert (report.accepted, report.rejected) == (3, [])
    key = await make_site(db, "sk_shop")
    secret = await make_token(db)
    goal = await make_goal(
        db, key, name="Buy", type="custom", match_type="exact", match_value="buy", currency="USD"
    )
    site = await site_store.site_by_key(db.reader, key)
    assert site is not None
    await insert_events(db, key, PURCHASES)
    rng = resolve_period(
        "custom",
        timezone="UTC",
        now=datetime.now(UTC),
        start_date="2024-02-29",
        end_date="2024-03-03",
    )
    [stats] = await stats_service.stats_for(db, KeyIndex(db.reader), [Query(site, rng, (goal,))])
    assert stats.conversions == 7
    assert stats.revenue == Decimal("50")
    assert stats.unconverted_conversions == 2
    assert stats.revenue_by_currency == {
        "EUR": Decimal("25.000000"),
        "GBP": Decimal("7.000000"),
        "JPY": Decimal("1700.000000"),
        "USD": Decimal("10.000000"),
    }
    response = await client.get(
        f"/api/v1/analytics/sites/{key}/goals/{goal.id}/stats",
        params={"period": "custom", "from": "2024-02-29", "to": "2024-03-03"},
        headers=bearer(secret),
    )
    assert response.status_code == 200
    assert response.content == (
        b'{"data":{"conversions":7,"unique_conversions":5,"revenue":50.00}}'
    )
    [series] = await insights.timeseries_for(
        db, KeyIndex(db.reader), [Query(site, rng, (goal,))], Interval.DAY
    )
    assert [b.revenue for b in series] == [
        Decimal("0.000000"),
        Decimal("32.000000"),
        Decimal("6.000000"),
        Decimal("12.000000"),
    ]


async def test_rates_against_another_base_are_refused(db: Database) -> None:
    await rates.import_rates(db, RATES.splitlines(), base="EUR")
    with pytest.raises(Conflict) as caught:
        await rates.import_rates(db, RATES.splitlines(), base="USD")
    assert caught.value.fields == {"base": "must be EUR"}


def test_rates_import_command_reports_each_bad_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GOALGATE_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'r.db'}")
    csv_file = tmp_path / "rates.csv"
    csv_file.write_text(
        "date,currency,rate\n"
        "2024-03-01,USD,1.1\n"
        "2024-13-01,USD,1.1\n"
        "2024-03-01,XYZ,1.1\n"
        "2024-03-01,USD,-2\n"
        "2024-03-01,EUR,1\n"
        "2024-03-01,USD\n"
        "\n"
        "2024-03-02,jpy,160.5\n"
    )
    result = CliRunner().invoke(cli, ["rates", "import", str(csv_file)])
    assert result.exit_code == 1
    assert result.stdout == "imported 2 rates against EUR\n"
    assert result.stderr.splitlines() == [
        "line 3: date '2024-13-01' does not exist",
        "line 4: currency 'XYZ' is not an active ISO 4217 code",
        "line 5: rate '-2' must be a positive number",
        "line 6: EUR is the base currency (its rate is always 1)",
        "line 7: expected 3 columns (date,currency,rate), got 2",
        "5 lines rejected",
    ]
    missing = CliRunner().invoke(cli, ["rates", "import", str(tmp_path / "nope.csv")])
    assert missing.exit_code == 2
    assert missing.stderr == f"error: no such file: {tmp_path / 'nope.csv'}\n"
    other_base = CliRunner().invoke(cli, ["rates", "import", str(csv_file), "--base", "USD"])
    assert other_base.exit_code == 2
    assert other_base.stderr == "error: base: must be EUR\n"

"""`goalgate events import FILE`: good lines stored, bad lines reported, exit 0/1/2.

The CLI runs its own event loop (asyncio.run), so these tests are synchronous
and arrange the database with asyncio.run as well.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from goalgate.cli import app
from goalgate.domain.visitors import identified_visitor
from tests.helpers.data import make_site, stored_events, with_db

SITE = "sk_abc123def456"


@pytest.fixture
def url(database_url: str) -> str:
    with_db(database_url, make_site)
    return database_url


def run(url: str, *args: str) -> Any:
    result = CliRunner().invoke(app, list(args), env={"GOALGATE_DATABASE_URL": url})
    return result


def ndjson(path: Path, lines: list[Any]) -> Path:
    path.write_text(
        "".join((line if isinstance(line, str) else json.dumps(line)) + "\n" for line in lines),
        encoding="utf-8",
    )
    return path


def event(name: str = "signup", **extra: Any) -> dict[str, Any]:
    return {"site": SITE, "type": "event", "name": name, **extra}


def test_a_clean_file_is_stored_whole_and_exits_0(url: str, tmp_path: Path) -> None:
    lines = [
        event("signup", timestamp="2024-03-30T23:30:00Z", visitor_id="alice"),
        {"site": SITE, "type": "pageview", "url": "https://example.com/thank-you?x=1"},
        {
            "site": SITE,
            "type": "goal",
            "name": "purchase",
            "revenue": {"amount": 49.90, "currency": "usd"},
            "timestamp": "2024-03-31T10:00:00+02:00",
        },
    ]
    result = run(url, "events", "import", str(ndjson(tmp_path / "events.ndjson", lines)))
    assert result.exit_code == 0, result.output
    assert result.stdout == "accepted 3 lines, rejected 0\n"
    events = with_db(url, stored_events)
    assert (events[0]["kind"], events[0]["value"], events[0]["ts"]) == (
        "event",
        "signup",
        1711841400000,
    )
    assert events[0]["visitor"] == identified_visitor(site_key=SITE, visitor_id="alice")
    assert (events[1]["kind"], events[1]["value"]) == ("pageview", "/thank-you")
    assert (events[2]["ts"], events[2]["revenue_micros"], events[2]["currency"]) == (
        1711872000000,
        49_900_000,
        "USD",
    )


def test_bad_lines_are_reported_with_number_and_reason_and_good_ones_stored(
    url: str, tmp_path: Path
) -> None:
    lines = [
        event("one"),
        '{"site": "sk_abc123def456", "type": ',
        event("two"),
        {"site": SITE, "type": "event"},
        {"site": "sk_nope", "type": "event", "name": "x"},
        "",
        "[1, 2]",
        event("three", revenue={"amount": "-1", "currency": "XAU"}, colour="red"),
        event("four"),
    ]
    result = run(url, "events", "import", str(ndjson(tmp_path / "mixed.ndjson", lines)))
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "accepted 3 lines, rejected 5",
        "line 2: bad JSON: Input data was truncated",
        "line 4: name: is required",
        "line 5: site: no such site 'sk_nope'",
        "line 7: must be an event object",
        "line 8: colour: unknown field; revenue.amount: must not be negative; "
        "revenue.currency: must be an active ISO 4217 code",
    ]
    assert [e["value"] for e in with_db(url, stored_events)] == ["one", "two", "four"]


def test_lines_without_visitor_id_are_one_visitor_each(url: str, tmp_path: Path) -> None:
    result = run(url, "events", "import", str(ndjson(tmp_path / "e.ndjson", [event()] * 3)))
    assert result.exit_code == 0
    found = [e["visitor"] for e in with_db(url, stored_events)]
    assert len(set(found)) == 3
    assert all(0 <= visitor < 1 << 62 for visitor in found)


def test_a_large_file_goes_in_several_batches(url: str, tmp_path: Path) -> None:
    lines = [event(f"e{i}", visitor_id=str(i % 7)) for i in range(2500)]
    path = ndjson(tmp_path / "big.ndjson", lines)
    result = run(url, "events", "import", str(path), "--batch-size", "1000")
    assert result.exit_code == 0
    assert result.stdout == "accepted 2500 lines, rejected 0\n"
    assert len(with_db(url, stored_events)) == 2500


def test_invalid_utf8_is_a_bad_json_line(url: str, tmp_path: Path) -> None:
    path = tmp_path / "latin1.ndjson"
    path.write_bytes(json.dumps(event()).encode() + b"\n" + b'{"name": "caf\xe9"}\n')
    result = run(url, "events", "import", str(path))
    assert result.exit_code == 1
    assert result.stdout.splitlines()[0] == "accepted 1 lines, rejected 1"
    assert result.stdout.splitlines()[1].startswith("line 2: bad JSON: ")


def test_a_missing_file_exits_2(url: str, tmp_path: Path) -> None:
    result = run(url, "events", "import", str(tmp_path / "nope.ndjson"))
    assert result.exit_code == 2
    assert "no such file" in result.stderr
    assert with_db(url, stored_events) == []


def test_timestamps_in_the_future_are_rejected(url: str, tmp_path: Path) -> None:
    lines = [event(timestamp="2999-01-01T00:00:00Z")]
    result = run(url, "events", "import", str(ndjson(tmp_path / "f.ndjson", lines)))
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "accepted 0 lines, rejected 1",
        "line 1: timestamp: must not be more than 5 minutes in the future",
    ]


def test_imported_lines_are_joined_into_visits_whatever_their_order(
    url: str, tmp_path: Path
) -> None:
    """Alice's purchase comes first in the file, her landing from a Google
    campaign last; across two batches (--batch-size 2) they are one visit,
    credited to Google, spring, /landing. Bob's purchase, 31 minutes after his
    pageview, is a visit of its own."""
    shop = "https://example.com"
    lines = [
        {"site": SITE, "type": "goal", "name": "purchase", "url": f"{shop}/cart",
         "visitor_id": "alice", "timestamp": "2024-03-05T10:07:00Z"},
        {"site": SITE, "type": "pageview", "url": f"{shop}/pricing", "referrer": "https://t.co/x",
         "visitor_id": "alice", "timestamp": "2024-03-05T10:02:00Z"},
        {"site": SITE, "type": "pageview", "url": f"{shop}/landing?utm_campaign=spring",
         "referrer": "https://www.google.com/", "visitor_id": "alice",
         "timestamp": "2024-03-05T10:00:00Z"},
        {"site": SITE, "type": "pageview", "url": f"{shop}/b", "referrer": "https://t.co/x",
         "visitor_id": "bob", "timestamp": "2024-03-05T10:00:00Z"},
        {"site": SITE, "type": "goal", "name": "purchase", "url": f"{shop}/cart",
         "visitor_id": "bob", "timestamp": "2024-03-05T10:31:00Z"},
    ]  # fmt: skip
    path = ndjson(tmp_path / "events.ndjson", lines)
    result = run(url, "events", "import", "--batch-size", "2", str(path))
    assert result.exit_code == 0, result.output

    async def credited(db: Any) -> list[tuple[Any, ...]]:
        async with db.engine.connect() as connection:
            rows = await connection.execute(
                text(
                    "SELECT k.value, s.value, c.value, p.value FROM events AS e "
                    "JOIN event_keys AS k ON k.id = e.key_id "
                    "LEFT JOIN event_keys AS s ON s.id = e.visit_source_id "
                    "LEFT JOIN event_keys AS c ON c.id = e.visit_utm_campaign_id "
                    "LEFT JOIN event_keys AS p ON p.id = e.entry_page_id ORDER BY e.visitor, e.ts"
                )
            )
            return [tuple(row) for row in rows]

    alice = [("/landing", "Google", "spring", "/landing")] + [
        (key, "Google", "spring", "/landing") for key in ("/pricing", "purchase")
    ]
    bob = [("/b", "Twitter", None, "/b"), ("purchase", None, None, "/cart")]
    stored = with_db(url, credited)
    assert stored in (alice + bob, bob + alice)  # visitors order by their hash

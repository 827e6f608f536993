"""What is stored of where an event came from, through the public faces.

The request's referrer URL, page URL, User-Agent and IP are read, and only
their dimension values are kept: checked here against the database itself.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import text
from typer.testing import CliRunner

from goalgate.cli import app as cli
from goalgate.domain.dimensions import STORED
from goalgate.storage.db import Database
from tests.helpers.data import make_site, with_db
from tests.helpers.http import EVENTS_URL, Client, error

IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"
)
_LABELS = ", ".join(
    f"(SELECT value FROM event_keys WHERE id = e.{d.column}) AS {d.value}"  # noqa: S608
    for d in STORED
)


async def stored_dimensions(db: Database) -> list[dict[str, Any]]:
    """Each stored event's key and dimension values (None: unknown), in order."""
    async with db.engine.connect() as connection:
        result = await connection.execute(
            text(
                f"SELECT k.value AS key, e.key_id = e.page_id AS own_page, {_LABELS} "  # noqa: S608
                "FROM events AS e JOIN event_keys AS k ON k.id = e.key_id ORDER BY e.id"
            )
        )
        return [
            {name: value for name, value in row._mapping.items() if value is not None}
            for row in result
        ]


async def test_a_tracked_visit_keeps_its_referrer_tags_page_and_client(
    client: Client, site: str, db: Database
) -> None:
    url = "https://example.com/pricing?utm_source=NewsLetter&utm_campaign=Spring&email=a%40b.c"
    referrer = "https://www.google.com/search?q=secret+words"
    response = await client.post(
        EVENTS_URL,
        json=[
            {"site": site, "type": "pageview", "url": url, "referrer": referrer},
            {"site": site, "type": "goal", "name": "purchase", "url": url, "referrer": referrer},
        ],
        headers={"User-Agent": IPHONE},
    )
    assert response.status_code == 202
    common = {
        "page": "/pricing",
        "source": "Google",
        "referrer_domain": "google.com",
        "utm_source": "newsletter",
        "utm_campaign": "spring",
        "device": "Mobile",
        "browser": "Mobile Safari",
        "os": "iOS",
    }
    assert await stored_dimensions(db) == [
        {"key": "/pricing", "own_page": True, **common},
        {"key": "purchase", "own_page": False, **common},
    ]
    # Nothing else of the URL, the referrer or the header is kept anywhere.
    async with db.engine.connect() as connection:
        values = (await connection.execute(text("SELECT value FROM event_keys"))).scalars().all()
    assert not [v for v in values if "secret" in v or "a@b.c" in v or "email" in v]
    assert not [v for v in values if "Mozilla" in v or "search" in v]


async def test_internal_navigation_and_no_client_leave_the_buckets_empty(
    client: Client, site: str, db: Database
) -> None:
    await client.post(
        EVENTS_URL,
        json={"site": site, "type": "pageview", "path": "/b", "referrer": "https://example.com/a"},
        headers={"User-Agent": ""},
    )
    assert await stored_dimensions(db) == [{"key": "/b", "own_page": True, "page": "/b"}]


async def test_a_goal_without_a_page_has_no_page(client: Client, site: str, db: Database) -> None:
    await client.post(EVENTS_URL, json={"site": site, "type": "event", "name": "signup"})
    [stored] = await stored_dimensions(db)
    assert stored == {"key": "signup"}  # no page (NULL): the "(none)" bucket


async def test_a_faulty_dimension_is_a_422_naming_it(client: Client, site: str) -> None:
    response = await client.post(
        EVENTS_URL,
        json=[{"site": site, "type": "pageview", "path": "/", "device": "phone", "country": "EU"}],
    )
    assert response.status_code == 422
    assert response.json() == error(
        "validation_error",
        "the events are not valid; none was stored",
        {
            "0.device": "must be one of desktop, mobile, tablet",
            "0.country": "must be an ISO 3166-1 alpha-2 country code, e.g. DE",
        },
    )


def test_an_import_backfills_every_dimension_explicitly(database_url: str, tmp_path: Path) -> None:
    site = with_db(database_url, make_site)
    line = {
        "site": site,
        "type": "goal",
        "name": "purchase",
        "timestamp": "2024-03-30T10:00:00Z",
        "path": "/checkout",
        "source": "newsletter",
        "utm_source": "Mailchimp",
        "utm_medium": "email",
        "utm_campaign": "spring",
        "utm_content": "header",
        "utm_term": "shoes",
        "country": "fr",
        "device": "desktop",
        "browser": "firefox",
        "os": "windows",
    }
    path = tmp_path / "history.ndjson"
    path.write_text(json.dumps(line) + "\n", encoding="utf-8")
    result = CliRunner().invoke(
        cli, ["events", "import", str(path)], env={"GOALGATE_DATABASE_URL": database_url}
    )
    assert result.exit_code == 0, result.output
    assert with_db(database_url, stored_dimensions) == [
        {
            "key": "purchase",
            "own_page": False,
            "page": "/checkout",
            "source": "Newsletter",
            "utm_source": "mailchimp",
            "utm_medium": "email",
            "utm_campaign": "spring",
            "utm_content": "header",
            "utm_term": "shoes",
            "country": "FR",
            "device": "Desktop",
            "browser": "Firefox",
            "os": "Windows",
        }
    ]

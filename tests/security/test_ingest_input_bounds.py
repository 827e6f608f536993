"""What an anonymous event may carry is read in time linear in its size, and never fails with 500.

Found auditing the per-event steps of ingestion (issue 20, row 1): a JSON
number whose exponent is past Decimal's range (``1e999999999``) as a revenue
amount raised ``decimal.Overflow`` and answered 500. Controls in event text
are found by one compiled character class, so a 1 MiB batch is checked in
milliseconds (see domain.events).
"""

from __future__ import annotations

import pytest

from goalgate.storage.db import Database
from tests.helpers.data import make_site, stored_events
from tests.helpers.http import EVENTS_URL, Client, error

SITE = "sk_abc123def456"


@pytest.mark.parametrize(
    ("amount", "reason"),
    [
        ("1e999999999", "must have at most 12 digits before the point"),
        ("1E+1000000", "must have at most 12 digits before the point"),
        ("1e-999999999", "must have at most 6 decimal places"),
    ],
)
async def test_an_amount_past_decimals_range_is_a_422_naming_the_field(
    client: Client, db: Database, amount: str, reason: str
) -> None:
    await make_site(db, SITE)
    body = (
        f'{{"site": "{SITE}", "type": "goal", "name": "purchase",'
        f' "revenue": {{"amount": {amount}, "currency": "USD"}}}}'
    )
    response = await client.post(
        EVENTS_URL, content=body, headers={"Content-Type": "application/json"}
    )
    assert (response.status_code, response.json()) == (
        422,
        error(
            "validation_error",
            "the events are not valid; none was stored",
            {"0.revenue.amount": reason},
        ),
    )
    assert await stored_events(db) == []


@pytest.mark.parametrize("control", ["\x00", "\x1b", "\x7f", "\x85", "\x9f"])
async def test_control_characters_anywhere_in_a_long_url_are_a_422(
    client: Client, db: Database, control: str
) -> None:
    await make_site(db, SITE)
    url = "https://example.com/" + "a" * 8000 + control
    event = {"site": SITE, "type": "pageview", "url": url}
    response = await client.post(EVENTS_URL, json=event)
    assert (response.status_code, response.json()) == (
        422,
        error(
            "validation_error",
            "the events are not valid; none was stored",
            {"0.url": "must not contain control characters"},
        ),
    )

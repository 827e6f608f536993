"""The labels goalgate gives "no value" and overflow, (none), (unknown) and (other), are not values.

An event sent with ``source: "(none)"`` was stored as a real source under the
label of direct traffic: two breakdown rows shared a label, and the filter
``source:is:(none)`` (which means "no value") missed it. Now every field a
client may send a dimension value in, and an event's name, refuses them with a
422 naming the field (in any case); the importer reports such a line as
rejected; a campaign tag or referrer host in a visitor's link that is one is
ignored, as other faulty tags are. Filters still read ``(none)`` as "no value".
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from goalgate.cli import app
from goalgate.storage.db import Database
from tests.helpers.data import make_site, make_token, stored_events, with_db
from tests.helpers.http import EVENTS_URL, Client, bearer, error, goal_body

SITE = "sk_abc123def456"
GOALS = f"/api/v1/analytics/sites/{SITE}/goals"
RESERVED = "must not be a reserved label: (none), (other), (unknown)"
NO_VALUE = RESERVED + "; leave the field out for no value"
FREE_TEXT_FIELDS = (
    "source",
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "utm_content",
    "utm_term",
    "browser",
    "os",
)
LABELS = ("(none)", "(Unknown)", "(OTHER)")


def signup(**fields: str) -> dict[str, Any]:
    return {"site": SITE, "type": "event", "name": "signup", **fields}


async def test_every_explicit_dimension_field_refuses_reserved_labels(
    client: Client, db: Database
) -> None:
    await make_site(db, SITE)
    batch = [
        signup(**{field: LABELS[index % len(LABELS)]})
        for index, field in enumerate(FREE_TEXT_FIELDS)
    ]
    batch += [signup(country="(none)"), signup(device="(unknown)")]
    batch += [{"site": SITE, "type": "goal", "name": "(other)"}, signup()]
    response = await client.post(EVENTS_URL, json=batch)
    assert response.status_code == 422
    assert response.json() == error(
        "validation_error",
        "the events are not valid; none was stored",
        {
            **{f"{index}.{field}": NO_VALUE for index, field in enumerate(FREE_TEXT_FIELDS)},
            "8.country": "must be an ISO 3166-1 alpha-2 country code, e.g. DE",
            "9.device": "must be one of desktop, mobile, tablet",
            "10.name": RESERVED,
        },
    )
    assert await stored_events(db) == []


async def test_a_single_event_with_source_none_is_a_422_naming_source(
    client: Client, db: Database
) -> None:
    await make_site(db, SITE)
    response = await client.post(EVENTS_URL, json=signup(source=" (none) "))
    assert (response.status_code, response.json()) == (
        422,
        error(
            "validation_error",
            "the events are not valid; none was stored",
            {"0.source": NO_VALUE},
        ),
    )


async def test_reserved_labels_in_a_visitors_link_are_no_value_and_filter_as_none(
    client: Client, db: Database
) -> None:
    await make_site(db, SITE)
    token = await make_token(db)
    created = await client.post(GOALS, json=goal_body(), headers=bearer(token))
    goal = created.json()["data"]["id"]
    sent = signup(
        url="https://example.com/?utm_campaign=(none)&utm_source=(other)",
        referrer="https://(unknown)/",
        visitor_id="link",
    )
    # Two visitors: one visitor's two events would be one visit, credited to
    # the first event's source.
    newsletter = signup(source="Newsletter", visitor_id="newsletter")
    response = await client.post(EVENTS_URL, json=[sent, newsletter])
    assert (response.status_code, response.json()) == (202, {"data": {"accepted": 2}})

    async def read(path: str, **params: Any) -> Any:
        answer = await client.get(
            f"{GOALS}/{goal}/{path}", params={"period": "7d", **params}, headers=bearer(token)
        )
        assert answer.status_code == 200, answer.text
        return answer.json()["data"]

    by_campaign = await read("breakdown", by="utm_campaign")
    assert [(row["value"], row["conversions"]) for row in by_campaign] == [("(none)", 2)]
    by_source = await read("breakdown", by="source")
    assert sorted((row["value"], row["conversions"]) for row in by_source) == [
        ("(none)", 1),
        ("Newsletter", 1),
    ]
    # "(none)" in a filter is "no value": the event of the link, not Newsletter's.
    direct = await read("stats", filter="source:is:(none)")
    assert direct == {"conversions": 1, "unique_conversions": 1, "revenue": None}


def test_the_importer_rejects_a_line_with_a_reserved_label(
    database_url: str, tmp_path: Path
) -> None:
    with_db(database_url, make_site)
    lines = [signup(), signup(utm_campaign="(None)"), signup(name="(other)")]
    path = tmp_path / "events.ndjson"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    result = CliRunner().invoke(
        app, ["events", "import", str(path)], env={"GOALGATE_DATABASE_URL": database_url}
    )
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "accepted 1 lines, rejected 2",
        f"line 2: utm_campaign: {NO_VALUE}",
        f"line 3: name: {RESERVED}",
    ]
    assert [e["value"] for e in with_db(database_url, stored_events)] == ["signup"]

"""Names differing only in case are one value: stored, broken down and filtered alike.

``MyNews``, ``mynews`` and ``MYNEWS`` were three rows, the mixed-case one kept
as first sent, though the docs say values compare case-insensitively. Now a
source, browser or OS name that no list knows is written from its case-folded
form alone (capitalised word by word: ``Mynews``), so every worker writes it
the same whichever spelling comes first, and a filter in any case finds it.
"""

from __future__ import annotations

from typing import Any

from goalgate.storage.db import Database
from tests.helpers.data import make_site, make_token
from tests.helpers.http import EVENTS_URL, Client, bearer, goal_body

SITE = "sk_abc123def456"
GOALS = f"/api/v1/analytics/sites/{SITE}/goals"


async def test_names_in_any_case_are_one_value_in_breakdowns_and_filters(
    client: Client, db: Database
) -> None:
    await make_site(db, SITE)
    token = await make_token(db)
    created = await client.post(GOALS, json=goal_body(), headers=bearer(token))
    goal = created.json()["data"]["id"]
    spellings = [("MyNews", "FooBrowser"), ("mynews", "foobrowser"), ("MYNEWS", "FOOBROWSER")]
    sent = [
        {"site": SITE, "type": "event", "name": "signup", "source": source, "browser": browser}
        for source, browser in spellings
    ]
    response = await client.post(EVENTS_URL, json=sent)
    assert (response.status_code, response.json()) == (202, {"data": {"accepted": 3}})

    async def read(path: str, **params: Any) -> Any:
        answer = await client.get(
            f"{GOALS}/{goal}/{path}", params={"period": "7d", **params}, headers=bearer(token)
        )
        assert answer.status_code == 200, answer.text
        return answer.json()["data"]

    for by, value in (("source", "Mynews"), ("browser", "Foobrowser")):
        rows = await read("breakdown", by=by)
        assert [(row["value"], row["conversions"]) for row in rows] == [(value, 3)]
    for clause in ("source:is:MyNews", "source:is:mynews", "browser:is:FOOBROWSER"):
        stats = await read("stats", filter=clause)
        assert stats == {"conversions": 3, "unique_conversions": 1, "revenue": None}

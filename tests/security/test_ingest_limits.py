"""Ingestion is bounded by events, by new keys per site and day, and the key mirror's memory.

- Events per client IP (``GOALGATE_RATE_LIMIT_INGEST_EVENTS``), beside requests:
  a batch counts each of its events, and a refused batch counts none.
- New keys per site per UTC day (``GOALGATE_MAX_NEW_KEYS_PER_DAY``): past the
  bound, new paths and names are stored as the key ``"(other)"``, still 202;
  dimension values have an allowance of the same size of their own. (One
  client's share of them: tests/security/test_new_key_shares.py.)
- The mirror of keys each worker keeps (``GOALGATE_KEY_INDEX_MAX_KEYS``) drops
  whole site dictionaries, least recently used first, and answers the same.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import text

from goalgate.app import create_app
from goalgate.runtime import Runtime
from goalgate.settings import Settings
from goalgate.storage.db import Database
from tests.helpers.data import READ, make_site, make_token, stored_events
from tests.helpers.http import EVENTS_URL, Client, bearer, error

# 30 s into a real minute: the windows (a minute, a UTC day) are exact.
NOW = (int(time.time()) // 86_400) * 86_400 + 30.25


@pytest.fixture
def limits() -> dict[str, Any]:
    return {}


@pytest.fixture
async def served(
    settings: Settings, limits: dict[str, Any]
) -> AsyncIterator[tuple[Client, Runtime]]:
    app = create_app(settings.model_copy(update=limits))
    async with AsyncTestClient(app=app) as client:
        runtime: Runtime = app.state.runtime
        runtime.limiter.clock = lambda: NOW
        yield client, runtime


def events(n: int, site: str = "sk_abc123def456", prefix: str = "e") -> list[dict[str, str]]:
    return [{"site": site, "type": "event", "name": f"{prefix}{i}"} for i in range(n)]


@pytest.mark.parametrize("limits", [{"rate_limit_ingest_events": "10/minute"}])
async def test_batches_count_each_event_against_the_ips_event_rate(
    served: tuple[Client, Runtime], db: Database
) -> None:
    client, _ = served
    await make_site(db)
    answers = []
    for size in (6, 5, 4, 1):
        response = await client.post(EVENTS_URL, json=events(size))
        answers.append((response.status_code, response.json()))
    refused = error("rate_limited", "too many events: at most 10 per minute; retry in 30 s")
    assert answers == [
        (202, {"data": {"accepted": 6}}),
        (429, refused),
        (202, {"data": {"accepted": 4}}),
        (429, refused),
    ]
    assert len(await stored_events(db)) == 10


# No client share: the site's own bound is what is tested here.
ONE_CLIENT_MAY_TAKE_ALL = {"max_new_keys_per_day": 3, "max_new_keys_per_client_day": 0}


@pytest.mark.parametrize("limits", [ONE_CLIENT_MAY_TAKE_ALL])
async def test_new_keys_past_the_daily_bound_are_stored_as_other(
    served: tuple[Client, Runtime], db: Database
) -> None:
    client, runtime = served
    await make_site(db)
    first = await client.post(EVENTS_URL, json=events(5))
    assert (first.status_code, first.json()) == (202, {"data": {"accepted": 5}})
    # Known keys are always stored as sent; "(other)" costs nothing either.
    again = await client.post(EVENTS_URL, json=[*events(1), *events(1, prefix="late")])
    assert again.status_code == 202
    # The next UTC day has a new allowance.
    runtime.limiter.clock = lambda: NOW + 86_400
    tomorrow = await client.post(EVENTS_URL, json=events(1, prefix="next"))
    assert tomorrow.status_code == 202
    assert [(e["kind"], e["value"]) for e in await stored_events(db)] == [
        ("event", "e0"),
        ("event", "e1"),
        ("event", "e2"),
        ("event", "(other)"),
        ("event", "(other)"),
        ("event", "e0"),
        ("event", "(other)"),
        ("event", "next0"),
    ]


@pytest.mark.parametrize("limits", [ONE_CLIENT_MAY_TAKE_ALL])
async def test_new_dimension_values_have_a_bound_of_their_own(
    served: tuple[Client, Runtime], db: Database
) -> None:
    # A flood of campaign names grows the dictionary like a flood of paths:
    # past the bound, the values are "(other)"; the events are all kept.
    client, _ = served
    await make_site(db)
    sent = [
        {"site": "sk_abc123def456", "type": "event", "name": "e", "utm_campaign": f"c{i}"}
        for i in range(4)
    ]
    response = await client.post(EVENTS_URL, json=sent)
    assert response.status_code == 202
    async with db.engine.connect() as connection:
        campaigns = await connection.execute(
            text(
                "SELECT k.value FROM events AS e JOIN event_keys AS k "
                "ON k.id = e.utm_campaign_id ORDER BY e.id"
            )
        )
        # Three new values allowed (the name "e" is in the other allowance).
        assert campaigns.scalars().all() == ["c0", "c1", "c2", "(other)"]


@pytest.mark.parametrize("limits", [{"key_index_max_keys": 5}])
async def test_the_key_mirror_drops_whole_dictionaries_past_its_bound(
    served: tuple[Client, Runtime], db: Database
) -> None:
    client, runtime = served
    for site in ("sk_first", "sk_second", "sk_third"):
        await make_site(db, site)
    token = await make_token(db, READ)
    sizes = {"sk_first": 4, "sk_second": 4, "sk_third": 7}
    for site, size in sizes.items():
        sent = await client.post(EVENTS_URL, json=events(size, site=site))
        assert sent.status_code == 202

    async def preview(site: str) -> list[dict[str, Any]]:
        response = await client.post(
            f"/api/v1/analytics/sites/{site}/goals/preview",
            json={"type": "event", "match_type": "contains", "match_value": "e"},
            headers=bearer(token),
        )
        assert response.status_code == 200, response.text
        matches: list[dict[str, Any]] = response.json()["data"]["top_matches"]
        return matches

    def ids() -> dict[str, int]:
        return {key: site_id for site_id, key in enumerate(sizes, start=1)}

    expected = {
        site: [{"value": f"e{i}", "conversions": 1} for i in range(size)]
        for site, size in sizes.items()
    }
    assert await preview("sk_first") == expected["sk_first"]
    assert (runtime.key_index.key_count, runtime.key_index.dictionaries) == (
        4,
        [(ids()["sk_first"], "event")],
    )
    assert await preview("sk_second") == expected["sk_second"]
    assert (runtime.key_index.key_count, runtime.key_index.dictionaries) == (
        4,
        [(ids()["sk_second"], "event")],
    )
    # Larger than the bound by itself: matched whole, then dropped with the rest.
    assert await preview("sk_third") == expected["sk_third"]
    assert (runtime.key_index.key_count, runtime.key_index.dictionaries) == (0, [])
    assert await preview("sk_first") == expected["sk_first"]
    assert runtime.key_index.key_count == 4

"""Reads of events have one time budget per request, stop when the client leaves, and
no site can take every reader (issue 20, row 2).

The review's request: a breakdown by ENTRY_PAGE under ten ENTRY_PAGE clauses,
where every event looks up its visitor's first pageview of the day once per
clause. Over 40,000 pageviews it ran for seconds per goal with no bound; six
such requests held every thread, and another site's 4 ms stats waited 8.8 s.
Here the same shape runs against a real server (``goalgate serve``) on both
backends, with the budgets an operator sets.
"""

from __future__ import annotations

import asyncio
import json
import random
import socket
import time
from pathlib import Path
from typing import Any

import httpx

from goalgate.domain.dimensions import Dimension
from goalgate.services.group_commit import NewEvent, write_events
from goalgate.storage import sites as site_store
from goalgate.storage.db import Database
from tests.helpers import ws
from tests.helpers.data import READ, make_goal, make_site, make_token
from tests.helpers.http import bearer
from tests.helpers.server import serving

SITE, OTHER = "sk_heavy", "sk_light"
PAGEVIEWS = 40_000
GOALS = 10
CLAUSES = "&".join(f"filter=entry_page:is_not:/nowhere{n}" for n in range(10))
# The review's request, for 10 goals (20 are now refused by their price first).
_ENTRY_PAGE_CLAUSES = ", ".join(
    f'{{dimension: ENTRY_PAGE, operator: IS_NOT, values: ["/nowhere{n}"]}}' for n in range(10)
)
ENTRY_PAGES = (
    f'query {{ site(key: "{SITE}") {{ key goals(first: {GOALS}) {{ nodes {{ name '
    f"breakdown(by: ENTRY_PAGE, filter: [{_ENTRY_PAGE_CLAUSES}]) "
    "{ nodes { value conversionRate } } } } } }"
)
OVER_BUDGET = (
    "reading the events took longer than the {budget} s budget (GOALGATE_READ_BUDGET_S): "
    "ask for a shorter period, fewer goals or fewer filter clauses"
)


async def plant(db: Database) -> tuple[str, str]:
    """PAGEVIEWS pageviews of 200 paths by 4,000 visitors over the last 20 days on SITE,
    GOALS goals on all of them; one pageview on OTHER and its goal. (Two goal ids.)"""
    await make_site(db, SITE)
    await make_site(db, OTHER)
    goals = [
        await make_goal(
            db, SITE, name=f"Page {n}", type="pageview", match_type="contains", match_value="/p"
        )
        for n in range(GOALS)
    ]
    heavy = goals[0]
    light = await make_goal(
        db, OTHER, name="Home", type="pageview", match_type="exact", match_value="/"
    )
    site = await site_store.site_by_key(db.reader, SITE)
    other = await site_store.site_by_key(db.reader, OTHER)
    assert site is not None
    assert other is not None
    now = int(time.time() * 1000)
    rng = random.Random(20)

    def pageview(site_id: int, path: str, ts: int, visitor: int) -> NewEvent:
        return NewEvent(
            site_id=site_id,
            kind="pageview",
            value=path,
            ts=ts,
            visitor=visitor,
            revenue_micros=None,
            revenue_currency=None,
            dimensions=((Dimension.PAGE, path),),
        )

    events = [
        pageview(
            site.id,
            f"/p{rng.randrange(200)}",
            now - rng.randrange(20 * 86_400_000),
            rng.randrange(4_000),
        )
        for _ in range(PAGEVIEWS)
    ]
    events.append(pageview(other.id, "/", now - 60_000, 1))
    for start in range(0, len(events), 10_000):
        async with db.transaction() as session:
            await write_events(session, events[start : start + 10_000])
    return heavy.id, light.id


def breakdown_url(goal_id: str) -> str:
    return f"/api/v1/analytics/sites/{SITE}/goals/{goal_id}/breakdown?by=entry_page&{CLAUSES}"


def stats_url(goal_id: str) -> str:
    return f"/api/v1/analytics/sites/{OTHER}/goals/{goal_id}/stats?period=7d"


async def timed(request: Any) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    response = await request
    return response, time.monotonic() - started


async def test_a_read_over_the_budget_is_refused_within_it(
    database_url: str, db: Database, tmp_path: Path
) -> None:
    # 10 ms: ENTRY_PAGE is a column since visits (issue 22), and PostgreSQL
    # answers this breakdown within 0.2 s now; no read of 40,000 events does in 10 ms.
    heavy, _ = await plant(db)
    token = await make_token(db, READ)
    async with (
        serving(database_url, tmp_path, GOALGATE_READ_BUDGET_S="0.01") as server,
        httpx.AsyncClient(base_url=server.base_url, timeout=60, headers=bearer(token)) as http,
    ):
        response, took = await timed(http.get(breakdown_url(heavy)))
        assert (response.status_code, response.json()) == (
            422,
            {
                "error": {
                    "code": "budget_exceeded",
                    "message": OVER_BUDGET.format(budget="0.01"),
                    "fields": {},
                }
            },
        )
        assert took < 1.2  # the budget, and a second for the rest

        # GraphQL: the fields that read are null with a coded error; the rest stays.
        response, took = await timed(http.post("/graphql", json={"query": ENTRY_PAGES}))
        body = response.json()
        assert [goal["name"] for goal in body["data"]["site"]["goals"]["nodes"]] == [
            f"Page {n}" for n in range(GOALS)
        ]
        assert body["errors"]
        for error in body["errors"]:
            assert error["path"][:4] == ["site", "goals", "nodes", error["path"][3]]
            assert error["path"][4] == "breakdown"
            assert error["message"] == OVER_BUDGET.format(budget="0.01")
            assert error["extensions"] == {"code": "BAD_USER_INPUT", "arguments": {}}
        assert took < 1.2


async def test_an_operation_over_a_websocket_has_its_own_read_budget(
    database_url: str, db: Database, tmp_path: Path
) -> None:
    """A query sent on a WebSocket is one operation of a long-lived connection: it
    gets a budget of its own (the socket's age does not count), and keeps to it."""
    await plant(db)
    token = await make_token(db, READ)
    async with (
        serving(database_url, tmp_path, GOALGATE_READ_BUDGET_S="0.2") as server,
        ws.opened(server.base_url, token) as socket,
    ):
        await asyncio.sleep(0.5)  # older than the budget: each operation starts its own
        started = time.monotonic()
        messages = await ws.run(socket, "1", ENTRY_PAGES)
        took = time.monotonic() - started
        [result, complete] = messages
        assert complete == {"id": "1", "type": "complete"}
        errors = result["payload"]["errors"]
        assert errors
        for error in errors:
            assert error["path"][4] == "breakdown"
            assert error["message"] == OVER_BUDGET.format(budget="0.2")
            assert error["extensions"] == {"code": "BAD_USER_INPUT", "arguments": {}}
        assert took < 1.2
        # A cheap operation on the same socket afterwards has a budget of its own.
        [cheap, _] = await ws.run(socket, "2", f'{{ site(key: "{OTHER}") {{ key }} }}')
        assert cheap["payload"] == {"data": {"site": {"key": OTHER}}}


async def test_one_site_cannot_take_every_reader(
    database_url: str, db: Database, tmp_path: Path
) -> None:
    """Six of the review's requests for one site, then another site's stats: answered
    at once (before: after the six, 8.8 s), and every one of the six within 5 s (a
    read budget of 2 s here, to keep the test short; 4 s by default)."""
    _, light = await plant(db)
    token = await make_token(db, READ)
    async with (
        serving(database_url, tmp_path, GOALGATE_READ_BUDGET_S="2") as server,
        httpx.AsyncClient(base_url=server.base_url, timeout=60, headers=bearer(token)) as http,
    ):
        assert (await http.get(stats_url(light))).status_code == 200  # warm
        attacks = [
            asyncio.ensure_future(timed(http.post("/graphql", json={"query": ENTRY_PAGES})))
            for _ in range(6)
        ]
        await asyncio.sleep(0.5)
        response, took = await timed(http.get(stats_url(light)))
        assert response.status_code == 200
        assert response.json()["data"]["conversions"] == 1
        assert took < 1.0
        answered = await asyncio.gather(*attacks)
        # Each was answered (rows, over its budget, or told to retry) within 5 s.
        assert {r.status_code for r, _ in answered} == {200}
        codes = {e["extensions"]["code"] for r, _ in answered for e in r.json().get("errors", [])}
        assert codes <= {"BAD_USER_INPUT", "UNAVAILABLE"}
        assert max(took for _, took in answered) < 5.0


async def test_a_read_whose_client_left_is_stopped(
    database_url: str, db: Database, tmp_path: Path
) -> None:
    """With one reader per site, a heavy read abandoned by its client would hold the
    site's only reader to its end (a budget of 60 s here); it is stopped at once."""
    heavy, _ = await plant(db)
    token = await make_token(db, READ)
    env = {"GOALGATE_READ_BUDGET_S": "60", "GOALGATE_READ_THREADS": "2"}
    async with (
        serving(database_url, tmp_path, **env) as server,
        httpx.AsyncClient(base_url=server.base_url, timeout=60, headers=bearer(token)) as http,
    ):
        # The heavy site's own cheap read, for comparison.
        cheap = (
            f"/api/v1/analytics/sites/{SITE}/goals/{heavy}/stats"
            "?period=custom&from=2000-01-01&to=2000-01-01"
        )
        assert (await http.get(cheap)).status_code == 200
        body = json.dumps({"query": ENTRY_PAGES}).encode()
        with socket.create_connection(("127.0.0.1", server.port)) as raw:
            raw.sendall(
                b"POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                + f"Authorization: Bearer {token}\r\nContent-Length: {len(body)}\r\n\r\n".encode()
                + body
            )
            await asyncio.sleep(0.5)  # the read is under way
        started = time.monotonic()
        response, took = await timed(http.get(cheap))
        assert response.status_code == 200
        assert took < 1.0, f"the abandoned read held the site's reader for {took:.1f} s"
        # Logged as nginx logs a request whose client closed it (the log is
        # written by a thread of its own: a moment later).
        logged = "POST /graphql 499"
        for _ in range(50):
            if logged in server.log.read_text():
                break
            await asyncio.sleep(0.1)
        assert logged in server.log.read_text()
        assert time.monotonic() - started < 6.0

"""Group commit: concurrent batches share commits, and nothing is acknowledged uncommitted."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from litestar import Litestar

from goalgate.errors import Unavailable
from goalgate.services.group_commit import GroupCommitter, NewEvent
from goalgate.storage import events as event_store
from goalgate.storage import sites as site_store
from goalgate.storage.db import Database
from tests.helpers.data import stored_events
from tests.helpers.http import EVENTS_URL, Client, error


async def site_id(db: Database, key: str) -> int:
    site = await site_store.site_by_key(db.reader, key)
    assert site is not None
    assert site.id is not None
    return site.id


def unstorable(site: int) -> NewEvent:
    """An event no database stores: its revenue does not fit 64 bits."""
    return NewEvent(site, "goal", "/bad", 1_700_000_000_000, 1, 2**70, "USD")


class Refusing:
    """An appender whose every commit fails, as on a full disk."""

    def __init__(self, inner: event_store.Appender) -> None:
        self.inner = inner

    async def append(self, rows: Any, known_keys: Any) -> dict[Any, int]:
        raise OSError("disk full")

    async def close(self) -> None:
        await self.inner.close()


def events(site: int, count: int, path: str = "/") -> list[NewEvent]:
    return [
        NewEvent(site, "pageview", path, 1_700_000_000_000 + i, i, None, None) for i in range(count)
    ]


async def test_concurrent_requests_share_commits_and_all_are_stored(
    app: Litestar, client: Client, site: str, db: Database
) -> None:
    """Many clients at once: fewer commits than requests, every event stored.

    Litestar's test client sends one request at a time, so the requests go
    through httpx's ASGI transport on the app's own event loop, concurrently.
    """
    requests = 40
    bodies = [
        [{"site": site, "type": "pageview", "path": f"/r{r}/e{e}"} for e in range(25)]
        for r in range(requests)
    ]

    async def post_all() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            return await asyncio.gather(*(http.post(EVENTS_URL, json=b) for b in bodies))

    responses = await asyncio.to_thread(client.blocking_portal.call, post_all)
    assert [r.status_code for r in responses] == [202] * requests
    assert all(r.json() == {"data": {"accepted": 25}} for r in responses)
    flusher = app.state.runtime.intake.committer
    assert flusher.events_committed == requests * 25
    assert 1 <= flusher.commits < requests
    stored = sorted(event["value"] for event in await stored_events(db))
    assert stored == sorted(f"/r{r}/e{e}" for r in range(requests) for e in range(25))


async def test_batches_queued_together_are_committed_in_bounded_groups(
    db: Database, site: str
) -> None:
    site_pk = await site_id(db, site)
    flusher = GroupCommitter(db, max_group_events=10)
    try:
        # All five are queued before the flusher first runs: groups of 8, 8, 4.
        await asyncio.gather(*(flusher.submit(events(site_pk, 4, f"/{n}")) for n in range(5)))
    finally:
        await flusher.close()
    assert flusher.commits == 3
    assert flusher.events_committed == 20
    assert len(await stored_events(db)) == 20


async def test_a_batch_larger_than_the_group_bound_is_committed_whole(
    db: Database, site: str
) -> None:
    site_pk = await site_id(db, site)
    flusher = GroupCommitter(db, max_group_events=10)
    try:
        await flusher.submit(events(site_pk, 25))
    finally:
        await flusher.close()
    assert (flusher.commits, flusher.events_committed) == (1, 25)


async def test_a_failed_commit_fails_every_waiter_whose_events_fail_alone_too(
    db: Database, site: str
) -> None:
    site_pk = await site_id(db, site)
    flusher = GroupCommitter(db)
    try:
        # Each batch holds a row the database refuses (an amount past 64 bits),
        # after its keys were written in the same transaction.
        outcomes = await asyncio.gather(
            *(
                flusher.submit([*events(site_pk, 3, f"/{n}"), unstorable(site_pk)])
                for n in range(4)
            ),
            return_exceptions=True,
        )
    finally:
        await flusher.close()
    assert [type(outcome) for outcome in outcomes] == [Unavailable] * 4
    # The group failed, then each request alone (to spare the innocent): 1 + 4.
    assert (flusher.commits, flusher.failed_commits) == (0, 5)
    assert await stored_events(db) == []
    # The keys written before the failure were rolled back with the group.
    async with db.session() as session:
        assert await event_store.count_events(session, site_pk) == 0


async def test_a_failed_commit_is_a_503_for_the_request(
    app: Litestar, client: Client, site: str, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    committer = app.state.runtime.intake.committer
    monkeypatch.setattr(committer, "appender", Refusing(committer.appender))
    response = await client.post(EVENTS_URL, json={"site": site, "type": "pageview", "path": "/"})
    assert response.status_code == 503
    assert response.headers["retry-after"] == "1"
    assert response.json() == error(
        "unavailable", "the events could not be stored; send them again"
    )
    monkeypatch.undo()
    assert await stored_events(db) == []
    # The flusher survives a failed commit: the next request is stored.
    again = await client.post(EVENTS_URL, json={"site": site, "type": "pageview", "path": "/"})
    assert again.status_code == 202
    assert len(await stored_events(db)) == 1


async def test_close_commits_what_is_queued_then_refuses_new_events(
    db: Database, site: str
) -> None:
    site_pk = await site_id(db, site)
    flusher = GroupCommitter(db)
    pending = asyncio.ensure_future(flusher.submit(events(site_pk, 2)))
    await asyncio.sleep(0)  # queued, flusher not yet run
    await flusher.close()
    await pending
    assert flusher.events_committed == 2
    with pytest.raises(Unavailable):
        await flusher.submit(events(site_pk, 1))
    assert len(await stored_events(db)) == 2


async def test_one_requests_faulty_events_never_fail_another_requests_events(
    db: Database, site: str
) -> None:
    """A group that fails is retried request by request: only the culprit hears 503."""
    site_pk = await site_id(db, site)
    flusher = GroupCommitter(db)
    try:
        outcomes = await asyncio.gather(
            *(
                flusher.submit(
                    events(site_pk, 3, f"/{n}") + ([unstorable(site_pk)] if n == 2 else [])
                )
                for n in range(5)
            ),
            return_exceptions=True,
        )
    finally:
        await flusher.close()
    assert [type(outcome) for outcome in outcomes] == [
        type(None),
        type(None),
        Unavailable,
        type(None),
        type(None),
    ]
    stored = sorted(event["value"] for event in await stored_events(db))
    assert stored == sorted(f"/{n}" for n in (0, 1, 3, 4) for _ in range(3))

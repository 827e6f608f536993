"""Who an event's visitor is: identified by visitor_id, or a salted daily hash of IP and UA."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from goalgate.domain.events import parse_event
from goalgate.domain.visitors import anonymous_visitor, identified_visitor
from goalgate.services import events as event_service
from goalgate.services.attribution import Attribution, ClientTraits
from goalgate.services.group_commit import GroupCommitter
from goalgate.storage.db import Database
from tests.helpers.data import sites_of, stored_events
from tests.helpers.http import EVENTS_URL, Client

IDENTIFIED = 1 << 62


async def salts(db: Database) -> dict[str, str]:
    async with db.engine.connect() as connection:
        rows = await connection.execute(text("SELECT day, salt FROM visitor_salts"))
        return {str(day): str(salt) for day, salt in rows}


async def visitors_of(db: Database) -> list[int]:
    return [event["visitor"] for event in await stored_events(db)]


async def test_anonymous_visitor_is_the_salted_hash_of_site_ip_and_user_agent(
    client: Client, site: str, db: Database
) -> None:
    response = await client.post(
        EVENTS_URL,
        json={"site": site, "type": "pageview", "path": "/"},
        headers={"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0"},
    )
    assert response.status_code == 202
    today = datetime.now(UTC).date().isoformat()
    stored = await salts(db)
    assert list(stored) == [today]
    assert len(stored[today]) == 64
    expected = anonymous_visitor(
        salt=bytes.fromhex(stored[today]),
        site_key=site,
        ip="testclient",  # the address Litestar's test client connects from
        user_agent="Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0",
    )
    assert await visitors_of(db) == [expected]
    assert expected < IDENTIFIED


async def test_same_ip_and_user_agent_is_one_visitor_another_agent_another(
    client: Client, site: str, db: Database
) -> None:
    event = {"site": site, "type": "event", "name": "signup"}
    for agent in ["Firefox", "Firefox", "Chrome"]:
        await client.post(EVENTS_URL, json=event, headers={"User-Agent": agent})
    first, second, third = await visitors_of(db)
    assert first == second
    assert third != first


async def test_visitor_id_makes_an_identified_visitor_whatever_the_client(
    client: Client, site: str, db: Database
) -> None:
    event = {"site": site, "type": "event", "name": "signup", "visitor_id": "user-42"}
    await client.post(EVENTS_URL, json=event, headers={"User-Agent": "Firefox"})
    await client.post(EVENTS_URL, json=event, headers={"User-Agent": "Chrome"})
    expected = identified_visitor(site_key=site, visitor_id="user-42")
    assert await visitors_of(db) == [expected, expected]
    assert expected >= IDENTIFIED
    # No salt is needed, so none is made.
    assert await salts(db) == {}


async def test_salts_older_than_yesterday_are_deleted(
    client: Client, site: str, db: Database
) -> None:
    today = datetime.now(UTC).date()
    old = {(today - timedelta(days=n)).isoformat(): f"{n:064x}" for n in (1, 2, 30)}
    async with db.transaction() as session:
        connection = await session.connection()
        await connection.execute(
            text("INSERT INTO visitor_salts (day, salt) VALUES (:day, :salt)"),
            [{"day": day, "salt": salt} for day, salt in old.items()],
        )
    await client.post(EVENTS_URL, json={"site": site, "type": "pageview", "path": "/"})
    kept = await salts(db)
    yesterday = (today - timedelta(days=1)).isoformat()
    assert sorted(kept) == [yesterday, today.isoformat()]
    assert kept[yesterday] == old[yesterday]


async def test_every_worker_agrees_on_the_stored_salt(
    client: Client, site: str, db: Database
) -> None:
    """A salt already stored for today (by another worker) is used, not replaced."""
    today = datetime.now(UTC).date().isoformat()
    theirs = "ab" * 32
    async with db.transaction() as session:
        connection = await session.connection()
        await connection.execute(
            text("INSERT INTO visitor_salts (day, salt) VALUES (:day, :salt)"),
            {"day": today, "salt": theirs},
        )
    await client.post(
        EVENTS_URL,
        json={"site": site, "type": "pageview", "path": "/"},
        headers={"User-Agent": "UA"},
    )
    assert await salts(db) == {today: theirs}
    expected = anonymous_visitor(
        salt=bytes.fromhex(theirs), site_key=site, ip="testclient", user_agent="UA"
    )
    assert await visitors_of(db) == [expected]


async def test_different_ips_with_the_same_agent_are_different_visitors(
    db: Database, site: str
) -> None:
    # The test client always connects from one address, so drive the service.
    now = datetime.now(UTC)
    draft = parse_event({"site": site, "type": "pageview", "path": "/"}, now=now)
    committer = GroupCommitter(db)
    salts = event_service.DailySalts(db)
    try:
        for ip in ["198.51.100.1", "198.51.100.1", "2001:db8::1"]:
            intake = event_service.Intake(
                sites_of(db), salts, committer, Attribution(ClientTraits())
            )
            await event_service.record_events(
                intake,
                [draft],
                principal=None,
                client=event_service.Client(ip=ip, user_agent="Firefox"),
                now=now,
            )
    finally:
        await committer.close()
    first, second, third = await visitors_of(db)
    assert first == second
    assert third != first


async def test_no_ip_is_stored_anywhere(client: Client, site: str, db: Database) -> None:
    await client.post(
        EVENTS_URL,
        json={"site": site, "type": "pageview", "path": "/"},
        headers={"User-Agent": "UA-marker-123"},
    )
    async with db.engine.connect() as connection:
        for table in ["events", "event_keys", "visitor_salts"]:
            rows = (await connection.execute(text(f"SELECT * FROM {table}"))).all()  # noqa: S608
            flat = " ".join(str(value) for row in rows for value in row)
            assert "testclient" not in flat
            assert "UA-marker-123" not in flat

"""Small builders for tests: sites, tokens and goals straight through the services."""

from __future__ import annotations

from typing import Any

from goalgate.domain.tokens import Scope
from goalgate.services import sites as site_service
from goalgate.services import tokens as token_service
from goalgate.storage.db import Database

READ = Scope.ANALYTICS_READ.value
WRITE = Scope.ANALYTICS_WRITE.value


async def make_site(
    db: Database,
    key: str = "sk_abc123def456",
    *,
    domain: str = "example.com",
    timezone: str = "UTC",
) -> str:
    async with db.write() as session:
        site = await site_service.create_site(session, key=key, domain=domain, timezone=timezone)
    return site.key


async def make_token(
    db: Database,
    *scopes: str,
    name: str = "test",
    sites: list[str] | None = None,
) -> str:
    async with db.write() as session:
        _, secret = await token_service.create_token(
            session, name=name, scopes=list(scopes or (READ, WRITE)), site_keys=sites
        )
    return secret


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def goal_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "Signup",
        "type": "event",
        "match_type": "exact",
        "match_value": "signup",
    }
    body.update(overrides)
    return body


async def insert_events(
    db: Database,
    site_key: str,
    events: list[tuple[str, str, int, int, tuple[int, str] | None]],
) -> None:
    """Store events as the ingestion path would: (kind, value, ts_ms, visitor, revenue).

    ``revenue`` is (micros, currency) or None. Used where a test needs exact
    timestamps in the past, without going through HTTP.
    """
    from sqlalchemy import insert

    from goalgate.storage import sites as site_store
    from goalgate.storage.tables import Event, EventKey

    async with db.write() as session:
        site = await site_store.site_by_key(session, site_key)
        assert site is not None
        assert site.id is not None
        keys: dict[tuple[str, str], int] = {}
        conn = await session.connection()
        for kind, value, *_ in events:
            if (kind, value) in keys:
                continue
            found = (
                await conn.execute(
                    EventKey.__table__.select().where(  # type: ignore[attr-defined]
                        EventKey.__table__.c.site_id == site.id,  # type: ignore[attr-defined]
                        EventKey.__table__.c.kind == kind,  # type: ignore[attr-defined]
                        EventKey.__table__.c.value == value,  # type: ignore[attr-defined]
                    )
                )
            ).first()
            if found is None:
                row = EventKey(site_id=site.id, kind=kind, value=value)
                session.add(row)
                await session.flush()
                keys[(kind, value)] = int(row.id or 0)
            else:
                keys[(kind, value)] = int(found.id)
        await conn.execute(
            insert(Event),
            [
                {
                    "site_id": site.id,
                    "key_id": keys[(kind, value)],
                    "ts": ts,
                    "visitor": visitor,
                    "revenue_micros": revenue[0] if revenue else None,
                    "revenue_currency": revenue[1] if revenue else None,
                }
                for kind, value, ts, visitor, revenue in events
            ],
        )

"""Small builders for tests: sites, tokens and goals straight through the services."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import text

from goalgate.domain import money
from goalgate.domain.tokens import Scope
from goalgate.services import sites as site_service
from goalgate.services import tokens as token_service
from goalgate.storage import sites as site_store
from goalgate.storage.db import Database
from goalgate.storage.tables import Event, EventKey

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


async def record_events(
    db: Database,
    site_key: str,
    kind: str,
    value: str,
    *,
    at: list[datetime],
    visitors: list[int] | None = None,
    revenue: str | None = None,
    currency: str | None = None,
) -> None:
    """Store events straight in the event tables (a stand-in for the ingestion route).

    One event per instant in ``at``; ``visitors`` gives each one's visitor
    (default: all distinct), ``revenue`` the same amount on each.
    """
    async with db.write() as session:
        site = await site_store.site_by_key(session, site_key)
        assert site is not None
        assert site.id is not None
        conn = await session.connection()
        key_id = (
            await conn.execute(
                text(
                    "SELECT id FROM event_keys WHERE site_id = :site AND kind = :kind"
                    " AND value = :value"
                ),
                {"site": site.id, "kind": kind, "value": value},
            )
        ).scalar()
        if key_id is None:
            key = EventKey(site_id=site.id, kind=kind, value=value)
            session.add(key)
            await session.flush()
            key_id = key.id
        micros = None if revenue is None else money.to_micros(Decimal(revenue))
        for n, moment in enumerate(at):
            session.add(
                Event(
                    site_id=site.id,
                    key_id=key_id,
                    ts=int(moment.timestamp() * 1000),
                    visitor=visitors[n] if visitors is not None else 1_000 + n,
                    revenue_micros=micros,
                    revenue_currency=currency,
                )
            )

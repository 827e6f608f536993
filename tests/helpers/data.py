"""Test data through the product's own services: sites, tokens and events, and reading them back."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

from litestar import Litestar
from sqlalchemy import text

from goalgate.app import create_app
from goalgate.domain import money
from goalgate.domain.tokens import Principal, Scope
from goalgate.services import goals as goal_service
from goalgate.services import sites as site_service
from goalgate.services import tokens as token_service
from goalgate.settings import Settings
from goalgate.storage import sites as site_store
from goalgate.storage.db import Database, open_database
from goalgate.storage.records import GoalRecord, SiteRecord

T = TypeVar("T")

READ = Scope.ANALYTICS_READ.value
WRITE = Scope.ANALYTICS_WRITE.value
# The caller of services in arrange steps: the first token, both scopes, every site.
EVERY_SITE = Principal(
    token_id=1,
    name="tests",
    scopes=frozenset({Scope.ANALYTICS_READ, Scope.ANALYTICS_WRITE}),
    site_keys=None,
)


async def make_site(
    db: Database,
    key: str = "sk_abc123def456",
    *,
    domain: str = "example.com",
    timezone: str = "UTC",
) -> str:
    site = await site_service.create_site(db, key=key, domain=domain, timezone=timezone)
    return site.key


async def make_token(
    db: Database,
    *scopes: str,
    name: str = "test",
    sites: list[str] | None = None,
) -> str:
    _, secret = await token_service.create_token(
        db, name=name, scopes=list(scopes or (READ, WRITE)), site_keys=sites
    )
    return secret


async def make_goal(
    db: Database, site_key: str, *, principal: Principal = EVERY_SITE, **fields: Any
) -> GoalRecord:
    """A goal through the goals service (its rules, its unique names): an event
    goal "Signup" matching "signup" unless ``fields`` say otherwise."""
    spec: dict[str, Any] = {
        "name": "Signup",
        "type": "event",
        "match_type": "exact",
        "match_value": "signup",
    }
    spec.update(fields)
    draft = goal_service.GoalDraft(**spec)
    return await goal_service.create_goal(db, sites_of(db), principal, site_key, draft)


async def goal_on(db: Database, site_key: str, **spec: Any) -> tuple[SiteRecord, GoalRecord]:
    """The site of ``site_key`` and a new goal on it (``make_goal``'s rules)."""
    goal = await make_goal(db, site_key, **spec)
    site = await site_store.site_by_key(db.reader, site_key)
    assert site is not None
    return site, goal


async def site_token_and_goal(url: str, site_key: str) -> tuple[str, str]:
    """Migrate the database at ``url`` and give it a site, a token with both
    scopes (its secret) and one goal (its id); for apps built outside fixtures."""
    db = open_database(url)
    try:
        await db.migrate()
        await make_site(db, site_key)
        token = await make_token(db)
        goal = await make_goal(db, site_key)
        return token, goal.id
    finally:
        await db.close()


def unlimited_app_with_a_goal(directory: Path, site_key: str) -> tuple[Litestar, str, str]:
    """An app without a token rate limit (a fuzzer sends hundreds of requests with
    one token) on a new SQLite file in ``directory`` that holds a site, a token
    with both scopes and one goal: (the app, the token's secret, the goal's id)."""
    url = f"sqlite+aiosqlite:///{directory / 'goalgate.db'}"
    token, goal_id = asyncio.run(site_token_and_goal(url, site_key))
    return create_app(Settings(database_url=url, rate_limit_token="0")), token, goal_id


async def stored_events(db: Database) -> list[dict[str, Any]]:
    """Every stored event with its key's kind and value, in insertion order."""
    async with db.engine.connect() as connection:
        result = await connection.execute(
            text(
                "SELECT s.key, k.kind, k.value, e.ts, e.visitor, e.revenue_micros, "
                "e.revenue_currency FROM events AS e JOIN event_keys AS k ON k.id = e.key_id "
                "JOIN sites AS s ON s.id = e.site_id ORDER BY e.id"
            )
        )
        columns = ["site", "kind", "value", "ts", "visitor", "revenue_micros", "currency"]
        return [dict(zip(columns, row, strict=True)) for row in result]


def with_db(url: str, work: Callable[[Database], Awaitable[T]]) -> T:
    """Run ``work`` on a migrated database in a loop of its own (for synchronous CLI tests)."""

    async def runner() -> T:
        db = open_database(url)
        try:
            await db.migrate()
            return await work(db)
        finally:
            await db.close()

    return asyncio.run(runner())


async def insert_events(
    db: Database,
    site_key: str,
    events: list[tuple[str, str, int, int, tuple[int, str] | None]],
) -> None:
    """Store events through the product's writer: (kind, value, ts_ms, visitor, revenue).

    ``revenue`` is (micros, currency) or None. Used where a test needs exact
    timestamps in the past, without going through HTTP.
    """
    from goalgate.services.group_commit import NewEvent, write_events
    from goalgate.storage import sites as site_store

    site = await site_store.site_by_key(db.reader, site_key)
    assert site is not None
    async with db.transaction() as session:
        await write_events(
            session,
            [
                NewEvent(
                    site_id=site.id,
                    kind=kind,
                    value=value,
                    ts=ts,
                    visitor=visitor,
                    revenue_micros=revenue[0] if revenue else None,
                    revenue_currency=revenue[1] if revenue else None,
                )
                for kind, value, ts, visitor, revenue in events
            ],
        )


def sites_of(db: Database) -> site_service.SiteDirectory:
    """A site directory over ``db`` for calling services directly."""
    return site_service.SiteDirectory(db.reader)


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
    """One event of ``kind``/``value`` per instant in ``at`` (see insert_events).

    ``visitors`` gives each one's visitor (default: all distinct), ``revenue``
    the same amount on each.
    """
    micros = None if revenue is None else money.to_micros(Decimal(revenue))
    paid = None if micros is None or currency is None else (micros, currency)
    await insert_events(
        db,
        site_key,
        [
            (
                kind,
                value,
                int(moment.timestamp() * 1000),
                visitors[n] if visitors is not None else 1_000 + n,
                paid,
            )
            for n, moment in enumerate(at)
        ],
    )

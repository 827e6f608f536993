"""The demo seed: a site, goals, a year of events and a token: numbers from the start."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from goalgate.domain.tokens import Principal, Scope
from goalgate.errors import Unauthenticated
from goalgate.services import goals as goal_service
from goalgate.services import sites as site_service
from goalgate.services import tokens as token_service
from goalgate.services.demo_events import demo_events
from goalgate.services.group_commit import write_events
from goalgate.storage import events as event_store
from goalgate.storage import goals as goal_store
from goalgate.storage import sites as site_store
from goalgate.storage.db import Database

__all__ = ["DEMO_GOALS", "DEMO_SITE_KEY", "DemoSeed", "seed_demo"]

DEMO_SITE_KEY = "sk_demo"

DEMO_GOALS: tuple[dict[str, str | None], ...] = (
    {
        "name": "Thank You Page",
        "type": "pageview",
        "match_type": "exact",
        "match_value": "/thank-you",
        "currency": None,
    },
    {
        "name": "Signup",
        "type": "event",
        "match_type": "exact",
        "match_value": "signup",
        "currency": None,
    },
    {
        "name": "Purchase",
        "type": "custom",
        "match_type": "exact",
        "match_value": "purchase",
        "currency": "USD",
    },
    {
        "name": "Blog Post Read",
        "type": "pageview",
        "match_type": "regex",
        "match_value": r"^/blog/\d+$",
        "currency": None,
    },
    {
        "name": "Contact Form",
        "type": "event",
        "match_type": "contains",
        "match_value": "contact",
        "currency": None,
    },
)


@dataclass(frozen=True, slots=True)
class DemoSeed:
    site_key: str
    token: str
    goals: int
    events: int


async def _still_valid(db: Database, secret: str | None) -> bool:
    if not secret:
        return False
    try:
        await token_service.authenticate(db, f"Bearer {secret}")
    except Unauthenticated:
        return False
    return True


async def seed_demo(
    db: Database, sites: site_service.SiteDirectory, *, known_token: str | None
) -> DemoSeed:
    """Create what is missing of the demo; running it again changes nothing.

    ``known_token`` is the secret a previous run issued; a new token is issued
    only when it no longer authenticates.
    """
    if await site_store.site_by_key(db.reader, DEMO_SITE_KEY) is None:
        await site_service.create_site(
            db, key=DEMO_SITE_KEY, domain="demo.example.com", timezone="Europe/Berlin"
        )
    secret = known_token
    if secret is None or not await _still_valid(db, secret):
        _, secret = await token_service.create_token(
            db,
            name="demo",
            scopes=[Scope.ANALYTICS_READ.value, Scope.ANALYTICS_WRITE.value],
            site_keys=[DEMO_SITE_KEY],
        )
    principal = await token_service.authenticate(db, f"Bearer {secret}")
    goals = await _seed_goals(db, sites, principal)
    events = await _seed_events(db, now=datetime.now(UTC))
    return DemoSeed(site_key=DEMO_SITE_KEY, token=secret, goals=goals, events=events)


async def _seed_events(db: Database, *, now: datetime) -> int:
    """A year of traffic, only if the demo site has no events at all; returns the count."""
    # One write transaction: the "none yet" check and the insert cannot
    # interleave with another seeding run (SQLite write transactions are
    # exclusive), and a failed run leaves no half year behind.
    async with db.transaction() as session:
        [site] = await site_store.sites_by_keys(session, [DEMO_SITE_KEY])
        assert site.id is not None
        existing = await event_store.count_events(session, site.id)
        if existing:
            return existing
        events = list(
            demo_events(site_id=site.id, site_key=site.key, timezone=site.timezone, now=now)
        )
        await write_events(session, events)
        return len(events)


async def _seed_goals(db: Database, sites: site_service.SiteDirectory, principal: Principal) -> int:
    site = await site_service.visible_site(sites, principal, DEMO_SITE_KEY)
    existing = await goal_store.count_goals(db.reader, site.id, goal_type=None)
    if existing:
        return existing
    for goal in DEMO_GOALS:
        draft = goal_service.GoalDraft(
            name=str(goal["name"]),
            type=str(goal["type"]),
            match_type=str(goal["match_type"]),
            match_value=str(goal["match_value"]),
            currency=goal["currency"],
        )
        await goal_service.create_goal(db, sites, principal, DEMO_SITE_KEY, draft)
    return len(DEMO_GOALS)

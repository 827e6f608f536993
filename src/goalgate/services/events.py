"""Record events: authorise backdating, resolve sites, derive visitors, commit in groups.

``record_events`` is the use case of the ingestion route. It returns only once
the events are committed (see ``services.group_commit``): an acknowledged event
survives a crash of the process a moment later.

Visitors: an event with ``visitor_id`` belongs to that identified visitor of
its site; without one, the visitor is a keyed hash of the day's secret salt,
the site, the client IP and the user agent. The salt is one random value per
UTC day shared by all workers through the ``visitor_salts`` table, and it is
deleted after the next day, so a visitor cannot be followed across days and
no IP is ever stored.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from goalgate.domain import visitors
from goalgate.domain.events import EventDraft
from goalgate.domain.tokens import Principal, Scope
from goalgate.errors import Forbidden, NotFound
from goalgate.services.group_commit import NewEvent, committer
from goalgate.storage import events as event_store
from goalgate.storage import sites as site_store
from goalgate.storage.db import Database

__all__ = ["Client", "daily_salt", "new_event", "record_events", "site_ids"]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_SALT_CACHE = "visitor_salt"


@dataclass(frozen=True, slots=True)
class Client:
    """What an anonymous visitor is derived from; never stored."""

    ip: str
    user_agent: str


async def record_events(
    db: Database,
    drafts: Sequence[EventDraft],
    *,
    principal: Principal | None,
    client: Client,
    now: datetime | None = None,
) -> int:
    """Store a batch of valid events, all or none; return how many were stored.

    Raises Forbidden when an event carries a timestamp and the principal may not
    write that site's history, NotFound for an unknown site (fields name the
    events at fault, by index), Unavailable when the commit failed.
    """
    now = now or datetime.now(UTC)
    _authorise_backdating(principal, drafts)
    ids = await site_ids(db, {draft.site_key for draft in drafts})
    unknown = {
        f"{index}.site": "no such site"
        for index, draft in enumerate(drafts)
        if draft.site_key not in ids
    }
    if unknown:
        raise NotFound("site not found", fields=unknown)
    salt = None
    if any(draft.visitor_id is None for draft in drafts):
        salt = await daily_salt(db, now)
    now_ms = (now - _EPOCH) // timedelta(milliseconds=1)
    events = []
    for draft in drafts:
        if draft.visitor_id is not None:
            visitor = visitors.identified_visitor(
                site_key=draft.site_key, visitor_id=draft.visitor_id
            )
        else:
            assert salt is not None
            visitor = visitors.anonymous_visitor(
                salt=salt, site_key=draft.site_key, ip=client.ip, user_agent=client.user_agent
            )
        events.append(new_event(draft, site_id=ids[draft.site_key], visitor=visitor, now_ms=now_ms))
    await committer(db).submit(events)
    return len(events)


def new_event(draft: EventDraft, *, site_id: int, visitor: int, now_ms: int) -> NewEvent:
    """The stored form of a draft; a draft without timestamp happens at ``now_ms``."""
    return NewEvent(
        site_id=site_id,
        kind=draft.kind.value,
        value=draft.value,
        ts=draft.timestamp_ms if draft.timestamp_ms is not None else now_ms,
        visitor=visitor,
        revenue_micros=draft.revenue_micros,
        revenue_currency=draft.revenue_currency,
    )


def _authorise_backdating(principal: Principal | None, drafts: Sequence[EventDraft]) -> None:
    """A timestamp rewrites a site's history: only a token with analytics:write for it may."""
    faults: dict[str, str] = {}
    for index, draft in enumerate(drafts):
        if draft.timestamp_ms is None:
            continue
        if principal is None:
            faults[f"{index}.timestamp"] = "needs a bearer token with analytics:write"
        elif not principal.has(Scope.ANALYTICS_WRITE):
            faults[f"{index}.timestamp"] = "this token lacks the analytics:write scope"
        elif not principal.can_see(draft.site_key):
            faults[f"{index}.timestamp"] = "this token may not write to this site"
    if faults:
        raise Forbidden(
            "a timestamp needs a token with analytics:write for the event's site", fields=faults
        )


async def site_ids(db: Database, keys: Collection[str]) -> dict[str, int]:
    """The ids of the sites among ``keys`` that exist."""
    async with db.read() as session:
        sites = await site_store.sites_by_keys(session, sorted(keys))
    return {site.key: site.id for site in sites if site.id is not None}


async def daily_salt(db: Database, now: datetime) -> bytes:
    """Today's (UTC) visitor salt: the same in every worker, forgotten after tomorrow."""
    day = now.astimezone(UTC).date()
    cached = db.caches.get(_SALT_CACHE)
    if isinstance(cached, tuple) and cached[0] == day:
        salt: bytes = cached[1]
        return salt
    async with db.write() as session:
        stored = await event_store.daily_salt(session, day.isoformat(), visitors.new_salt().hex())
        # Older salts go, so no past day's visitors can be re-derived. Yesterday's
        # stays: a worker whose clock still says yesterday must find that salt,
        # not insert a new one and split yesterday's visitors in two.
        await event_store.forget_salts_before(session, (day - timedelta(days=1)).isoformat())
    salt = bytes.fromhex(stored)
    db.caches[_SALT_CACHE] = (day, salt)
    return salt

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

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from goalgate.domain import visitors
from goalgate.domain.dimensions import Dimension
from goalgate.domain.events import EventDraft
from goalgate.domain.instants import epoch_ms
from goalgate.domain.tokens import Principal, Scope
from goalgate.errors import Forbidden, NotFound
from goalgate.services.attribution import Attribution
from goalgate.services.group_commit import GroupCommitter, NewEvent
from goalgate.services.sites import SiteDirectory
from goalgate.storage import events as event_store
from goalgate.storage.db import Database

__all__ = ["Client", "DailySalts", "Intake", "new_event", "record_events"]


@dataclass(frozen=True, slots=True)
class Client:
    """What an anonymous visitor is derived from, and who the sender counts as; never stored."""

    ip: str
    user_agent: str
    # How per-IP limits count this client (api.ratelimit.client_key): the new
    # keys its events bring count against its share. None: no share applies.
    limit_key: str | None = None


@dataclass(frozen=True, slots=True)
class Intake:
    """What ingestion writes through, as the runtime opened it (the route's and the
    importer's; the importer needs no salts: its events name their visitors)."""

    sites: SiteDirectory
    salts: DailySalts
    committer: GroupCommitter
    attribution: Attribution


async def record_events(
    intake: Intake,
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
    sites, salts, attribution = intake.sites, intake.salts, intake.attribution
    found = await sites.by_keys({draft.site_key for draft in drafts})
    unknown = {
        f"{index}.site": "no such site"
        for index, draft in enumerate(drafts)
        if draft.site_key not in found
    }
    if unknown:
        raise NotFound("site not found", fields=unknown)
    salt = None
    if any(draft.visitor_id is None for draft in drafts):
        salt = await salts.salt_of(now)
    now_ms = epoch_ms(now)
    traits = attribution.clients.of(client.ip, client.user_agent)
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
        site = found[draft.site_key]
        dimensions = attribution.dimensions(draft, site_domain=site.domain, client=traits)
        events.append(
            new_event(
                draft,
                site_id=site.id,
                visitor=visitor,
                now_ms=now_ms,
                dimensions=dimensions,
                client=client.limit_key,
            )
        )
    await intake.committer.submit(events)
    return len(events)


def new_event(
    draft: EventDraft,
    *,
    site_id: int,
    visitor: int,
    now_ms: int,
    dimensions: tuple[tuple[Dimension, str], ...],
    client: str | None = None,
) -> NewEvent:
    """The stored form of a draft; a draft without timestamp happens at ``now_ms``."""
    return NewEvent(
        site_id=site_id,
        kind=draft.kind.value,
        value=draft.value,
        ts=draft.timestamp_ms if draft.timestamp_ms is not None else now_ms,
        visitor=visitor,
        revenue_micros=draft.revenue_micros,
        revenue_currency=draft.revenue_currency,
        dimensions=dimensions,
        client=client,
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


class DailySalts:
    """Today's (UTC) visitor salt, read once a day per process.

    Every worker must hash alike, so the salt lives in the database; a worker
    reads it when its UTC day changes, and keeps it until then (it never
    changes within a day).
    """

    def __init__(self, db: Database) -> None:
        self._db = db
        self._day: date | None = None
        self._salt = b""

    async def salt_of(self, now: datetime) -> bytes:
        """The salt of ``now``'s UTC day: the same in every worker, forgotten after tomorrow."""
        day = now.astimezone(UTC).date()
        if day != self._day:
            async with self._db.transaction() as session:
                stored = await event_store.daily_salt(
                    session, day.isoformat(), visitors.new_salt().hex()
                )
                # Older salts go, so no past day's visitors can be re-derived.
                # Yesterday's stays: a worker whose clock still says yesterday
                # must find that salt, not insert a new one and split
                # yesterday's visitors in two.
                await event_store.forget_salts_before(
                    session, (day - timedelta(days=1)).isoformat()
                )
            self._day, self._salt = day, bytes.fromhex(stored)
        return self._salt

"""Group commit: the events of concurrent requests written in one transaction.

A commit is the expensive part of recording events (an fsync on SQLite, a
round trip and a WAL flush on PostgreSQL), and it costs about the same for one
event as for thousands. So each process has one flusher task: requests queue
their validated events and wait; the flusher takes everything queued (up to a
bound), writes it in a single write transaction, and only after the commit
succeeded tells each waiting request that its events are stored. While one
group commits, the next one gathers, so under load the number of commits
stays small, and a lone request is written at once: nothing ever sleeps to
wait for company.

New keys are bounded (``NewKeyBudget``): each site may add at most so many
distinct paths and names a UTC day through ingestion, and as many dimension
values (an allowance of their own, so junk campaigns never starve a real
page), and each client IP at most its share of each; counted in the rate
limiter's shared store. Past that, the events of new ones are stored under
the key ``"(other)"`` of their kind (their counts, visitors and revenue are
kept; a goal on the new path does not see them), so a flood of distinct
paths cannot grow a site's dictionary, and every worker's mirror of it,
without bound, nor can one client use up a site's day.

If a commit fails, the group is split: each request's events are retried in
a transaction of their own, so that one request's faulty event (a value the
database refuses) can never fail another request's events. Only a request
whose own events cannot be stored gets ``Unavailable``; no request is ever
answered before its commit.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from time import perf_counter

from sqlmodel.ext.asyncio.session import AsyncSession

from goalgate.domain import visits
from goalgate.domain.dimensions import OTHER_LABEL, Dimension
from goalgate.domain.goals import EventKind
from goalgate.errors import Unavailable
from goalgate.metrics import Metrics
from goalgate.services import live
from goalgate.services.ratelimit import Quota, RateLimiter
from goalgate.storage import appenders
from goalgate.storage import events as event_store
from goalgate.storage.db import Database

__all__ = [
    "DEFAULT_VISIT_TIMEOUT_MS",
    "MAX_GROUP_EVENTS",
    "GroupCommitter",
    "NewEvent",
    "NewKeyBudget",
    "write_events",
]

log = logging.getLogger("goalgate.events")

# One group's bound: large enough to amortise the commit, small enough that
# one transaction never holds SQLite's write lock for long.
MAX_GROUP_EVENTS = 5000
# Key ids a committer remembers (a few MB at most); past that it starts over.
_MAX_KNOWN_KEYS = 100_000
_DAY_S = 86_400
# A visit ends after this long without an event, unless told otherwise
# (the setting GOALGATE_VISIT_TIMEOUT_MINUTES).
DEFAULT_VISIT_TIMEOUT_MS = visits.DEFAULT_TIMEOUT_MINUTES * 60_000


@dataclass(frozen=True, slots=True)
class NewEvent:
    """An event ready to store: its site resolved, visitor derived, instant fixed."""

    site_id: int
    kind: str
    value: str
    ts: int
    visitor: int
    revenue_micros: int | None
    revenue_currency: str | None
    # Canonical dimension values (domain.dimensions.canonical), PAGE included;
    # a dimension not listed is unknown.
    dimensions: tuple[tuple[Dimension, str], ...] = ()
    # Who sent it, as per-IP limits count clients (api.ratelimit.client_key):
    # the new keys it brings count against that client's share. None: an
    # operator's own write, bounded by no share.
    client: str | None = None

    def key_triples(self) -> list[event_store.KeyTriple]:
        """Every dictionary entry this event points at: its own key, then its dimensions'."""
        return [
            (self.site_id, self.kind, self.value),
            *((self.site_id, dimension.kind, value) for dimension, value in self.dimensions),
        ]


class NewKeyBudget:
    """New keys per site per UTC day, and one client's share of them, shared by every worker.

    Two allowances of ``per_day`` per site: paths and names (what goals
    match), and dimension values. Each client (a client IP, or IPv6 /64)
    may take at most ``per_client`` of each, per site; 0 means no share.
    """

    def __init__(self, limiter: RateLimiter, per_day: int, per_client: int) -> None:
        self._limiter = limiter
        self._quota = Quota(count=per_day, seconds=_DAY_S)
        self._client_quota = Quota(count=per_client, seconds=_DAY_S) if per_client else None

    async def grant(self, site_id: int, allowance: str, client: str | None, wanted: int) -> int:
        """How many of ``wanted`` new keys the client may still add to the site today (counted).

        The client's share is taken first: what it may not add never counts
        against the site. ``allowance`` is ``"names"`` or ``"values"``.
        """
        try:
            if client is not None and self._client_quota is not None:
                key = f"new-{allowance}:{site_id}:{client}"
                wanted = await self._limiter.take(key, self._client_quota, wanted)
            if wanted == 0:
                return 0
            return await self._limiter.take(f"new-{allowance}:{site_id}", self._quota, wanted)
        except Exception:  # the store is down: keep the events as sent
            log.exception("new-key budget unavailable; storing new keys as sent")
            return wanted

    async def fold(
        self, db: Database, events: Sequence[NewEvent], known: Mapping[event_store.KeyTriple, int]
    ) -> list[NewEvent]:
        """``events`` with the values of new keys past their budget as OTHER_LABEL."""
        # Each key is charged to the first client of the group that brings it.
        senders: dict[event_store.KeyTriple, str | None] = {}
        for event in events:
            for triple in event.key_triples():
                if triple not in known and triple[2] != OTHER_LABEL:
                    senders.setdefault(triple, event.client)
        if not senders:
            return list(events)
        async with db.session() as session:
            existing = await event_store.known_keys(session, sorted(senders))
        fresh: dict[tuple[int, str, str | None], list[event_store.KeyTriple]] = {}
        for triple in sorted(senders.keys() - existing.keys()):
            allowance = "names" if triple[1] in _NAME_KINDS else "values"
            fresh.setdefault((triple[0], allowance, senders[triple]), []).append(triple)
        folded: set[event_store.KeyTriple] = set()
        for (site_id, allowance, client), triples in fresh.items():
            granted = await self.grant(site_id, allowance, client, len(triples))
            folded.update(triples[granted:])
        if not folded:
            return list(events)
        return [_folded(event, folded) for event in events]


# The kinds of paths and names (a PAGE value is a pageview key): the keys goals
# match, in an allowance that dimension values cannot use up.
_NAME_KINDS = frozenset(kind.value for kind in EventKind)


def _folded(event: NewEvent, folded: set[event_store.KeyTriple]) -> NewEvent:
    """``event`` with each value past the budget replaced by OTHER_LABEL."""
    if not folded.intersection(event.key_triples()):
        return event
    value = OTHER_LABEL if (event.site_id, event.kind, event.value) in folded else event.value
    dimensions = tuple(
        (dimension, OTHER_LABEL if (event.site_id, dimension.kind, v) in folded else v)
        for dimension, v in event.dimensions
    )
    return replace(event, value=value, dimensions=dimensions)


@dataclass(slots=True)
class _Submission:
    events: Sequence[NewEvent]
    done: asyncio.Future[None]


class GroupCommitter:
    """The per-process queue and flusher task that commit events in groups."""

    def __init__(
        self,
        db: Database,
        *,
        hub: live.LiveHub | None = None,
        max_group_events: int = MAX_GROUP_EVENTS,
        appender: event_store.Appender | None = None,
        metrics: Metrics | None = None,
        new_keys: NewKeyBudget | None = None,
        visit_timeout_ms: int = DEFAULT_VISIT_TIMEOUT_MS,
    ) -> None:
        self._db = db
        self.appender = appender or appenders.appender_for(db, visit_timeout_ms)
        self._hub = hub
        self._metrics = metrics
        self._new_keys = new_keys
        self._max = max_group_events
        self._queue: deque[_Submission] = deque()
        self._known_keys: dict[event_store.KeyTriple, int] = {}
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._closing = False
        # Observability (and tests): how many transactions, and what they held.
        self.commits = 0
        self.failed_commits = 0
        self.events_committed = 0

    async def submit(self, events: Sequence[NewEvent]) -> None:
        """Return once ``events`` are committed; raise Unavailable if their commit failed."""
        if not events:
            return
        if self._closing:
            raise Unavailable("the server is shutting down; send the events again")
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        # Retrieve the outcome even if the waiter is gone, so that asyncio does
        # not log "exception was never retrieved" for a client that hung up.
        done.add_done_callback(lambda future: future.cancelled() or future.exception())
        self._queue.append(_Submission(events, done))
        self._wake.set()
        if self._task is None or self._task.done():
            # A context of its own: the flusher serves every request, so its log
            # lines must not carry the id of the request that happened to start it.
            self._task = asyncio.create_task(
                self._flush_forever(), name="goalgate-group-commit", context=contextvars.Context()
            )
        # A request cancelled while waiting (client gone) does not cancel the
        # commit its events are part of: shield the shared work from it.
        await asyncio.shield(done)

    async def close(self) -> None:
        """Commit what is queued, then stop the flusher (the app's shutdown)."""
        self._closing = True
        self._wake.set()
        if self._task is not None:
            await self._task
            self._task = None
        await self.appender.close()

    async def _flush_forever(self) -> None:
        try:
            while True:
                await self._wake.wait()
                self._wake.clear()
                while self._queue:
                    await self._commit(self._take_group())
                if self._closing:
                    return
        finally:
            # Cancelled (the loop is going away): whoever still waits must hear.
            while self._queue:
                _fail(self._queue.popleft(), "the server stopped before storing the events")

    def _take_group(self) -> list[_Submission]:
        # At least one submission, whole: a request's batch is never split.
        group = [self._queue.popleft()]
        size = len(group[0].events)
        while self._queue and size + len(self._queue[0].events) <= self._max:
            submission = self._queue.popleft()
            group.append(submission)
            size += len(submission.events)
        return group

    async def _commit(self, group: list[_Submission]) -> None:
        if not await self._write(group) and len(group) > 1:
            # Find the culprit: each request alone, so the innocent are stored.
            for submission in group:
                await self._write([submission])

    async def _write(self, group: list[_Submission]) -> bool:
        """Commit the group's events in one transaction; True once acknowledged."""
        events = [event for submission in group for event in submission.events]
        started = perf_counter()
        try:
            if self._new_keys is not None:
                events = await self._new_keys.fold(self._db, events, self._known_keys)
            resolved = await self.appender.append(
                [_row(event) for event in events], self._known_keys
            )
        except Exception as exc:  # every waiter must hear, whatever went wrong
            self.failed_commits += 1
            if self._metrics is not None:
                self._metrics.commit_failed(perf_counter() - started)
            log.exception("committing %d events failed", len(events), exc_info=exc)
            if len(group) == 1:
                _fail(group[0], "the events could not be stored; send them again")
            return False
        if len(self._known_keys) + len(resolved) > _MAX_KNOWN_KEYS:
            self._known_keys.clear()
        self._known_keys.update(resolved)
        self.commits += 1
        self.events_committed += len(events)
        if self._metrics is not None:
            self._metrics.committed(len(events), perf_counter() - started)
        for submission in group:
            if not submission.done.done():
                submission.done.set_result(None)
        # Acknowledged first: live subscribers learn of committed events only.
        if self._hub is not None:
            await self._hub.publish([_live(event) for event in events])
        return True


async def write_events(
    session: AsyncSession,
    events: Sequence[NewEvent],
    visit_timeout_ms: int = DEFAULT_VISIT_TIMEOUT_MS,
) -> None:
    """Store ``events``, joined to their visits, in the caller's transaction
    (bulk loads: the demo, benchmarks)."""
    rows = [_row(event) for event in events]
    wanted = {key for row in rows for key in row.key_triples()}
    keys = await event_store.resolve_keys(session, wanted)
    await event_store.append_events(session, rows, keys, visit_timeout_ms)


def _row(event: NewEvent) -> event_store.EventRow:
    return event_store.EventRow(
        key=(event.site_id, event.kind, event.value),
        ts=event.ts,
        visitor=event.visitor,
        revenue_micros=event.revenue_micros,
        revenue_currency=event.revenue_currency,
        dimensions=tuple(
            (dimension.column, (event.site_id, dimension.kind, value))
            for dimension, value in event.dimensions
        ),
    )


def _live(event: NewEvent) -> live.LiveEvent:
    return live.LiveEvent(
        site_id=event.site_id,
        kind=event.kind,
        value=event.value,
        ts=event.ts,
        revenue_micros=event.revenue_micros,
        revenue_currency=event.revenue_currency,
    )


def _fail(submission: _Submission, message: str) -> None:
    if not submission.done.done():
        submission.done.set_exception(Unavailable(message))

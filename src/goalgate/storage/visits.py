"""Visits written with their events: each new event joined to its visitor's visit.

In the transaction that appends events, before their rows are inserted:
``assign_visits`` reads the stored visits of each (site, visitor) of the group
near the new events' instants (one statement), lets ``domain.visits`` place
the events among them, writes the visits (new, extended, re-attributed,
merged) and gives each event row its ``visit_id`` and its visit's values
(``events.visit_*``, ``entry_page_id``). When a visit's first event changes
(an older event arrives) or two visits merge, the stored events of the visit
are re-stamped with the visit's values in one UPDATE over the visitor's span
(``ix_events_site_visitor_ts``).

Writers of one (site, visitor) take turns: SQLite's write transactions are
serial already; on PostgreSQL each transaction first takes an advisory lock
per (site, visitor), under a shared lock of the site, or, past
``MAX_VISITOR_LOCKS`` visitors, the site's lock exclusively
(``Dialect.serialise_writers``), so that two workers can never both start a
visit for the same visitor.

The statements (``storage.sql.visits``), with ``:name`` parameters, run through a
``Statements`` runner: sqlite3's own connection (``SQLiteAppender``, on its
thread) or a session's connection in ``run_sync`` (PostgreSQL, bulk writes).
"""

from __future__ import annotations

import json
import operator
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from sqlalchemy import text
from sqlalchemy.orm import Session

from goalgate.domain import visits
from goalgate.storage.dialect import Dialect
from goalgate.storage.sql import visits as visit_sql

__all__ = ["MAX_VISITOR_LOCKS", "SessionStatements", "Statements", "assign_visits"]

# An event's own values, which become its visit's when it is the first.
_own_values = operator.itemgetter(*visit_sql.OWN_VALUE_COLUMNS)


_MASK_63 = (1 << 63) - 1
# PostgreSQL: past this many visitors in one transaction, it locks their sites
# whole instead (one lock each, exclusive) rather than one lock per visitor:
# the server's lock table holds max_locks_per_transaction (64) x connections
# in all, and a group commit may hold 5,000 visitors.
MAX_VISITOR_LOCKS = 256
# First key of the two-key advisory locks of a site's visitors (shared by
# writers of a few visitors, exclusive for bulk writes).
_SITE_LOCK_SPACE = 0x7669


class Statements(Protocol):
    """Runs one statement in the caller's transaction."""

    def rows(self, statement: str, params: Mapping[str, Any]) -> list[tuple[Any, ...]]: ...

    def many(self, statement: str, params: Sequence[Mapping[str, Any]]) -> None: ...


class SessionStatements:
    """``Statements`` over a synchronous session's connection (inside ``run_sync``)."""

    def __init__(self, session: Session) -> None:
        self._connection = session.connection()

    def rows(self, statement: str, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        return [tuple(row) for row in self._connection.execute(text(statement), dict(params))]

    def many(self, statement: str, params: Sequence[Mapping[str, Any]]) -> None:
        if params:
            self._connection.execute(text(statement), [dict(p) for p in params])


def assign_visits(
    run: Statements,
    dialect: Dialect,
    events: Sequence[dict[str, Any]],
    pageviews: Sequence[bool],
    timeout_ms: int,
) -> None:
    """Join ``events`` (``events`` column dicts, key ids resolved) to their visits.

    Writes the visits and re-stamps the stored events whose visit changed;
    sets each dict's ``visit_id`` and visit values. ``pageviews[i]`` tells
    whether ``events[i]`` is a pageview.
    """
    if not events:
        return
    by_visitor: defaultdict[tuple[int, int], list[int]] = defaultdict(list)
    for index, event in enumerate(events):
        by_visitor[(int(event["site_id"]), int(event["visitor"]))].append(index)
    locks = {
        "space": _SITE_LOCK_SPACE,
        "sites": json.dumps(sorted({site for site, _ in by_visitor})),
        "keys": json.dumps(sorted({_lock_key(site, visitor) for site, visitor in by_visitor})),
    }
    whole_sites = len(by_visitor) > MAX_VISITOR_LOCKS
    for lock in dialect.serialise_writers(whole_sites=whole_sites):
        run.rows(lock, {name: value for name, value in locks.items() if f":{name}" in lock})
    stored = _stored_visits(run, dialect, events, by_visitor, timeout_ms)
    plans = []
    for (site, visitor), indexes in by_visitor.items():
        hits = [
            visits.Hit(
                ts=int(events[i]["ts"]),
                pageview=pageviews[i],
                values=_own_values(events[i]),
            )
            for i in indexes
        ]
        for joined in visits.join_visits(stored.get((site, visitor), []), hits, timeout_ms):
            plans.append((site, visitor, indexes, joined))
    fresh = sum(1 for *_, joined in plans if joined.kept is None)
    drawn = run.rows(dialect.new_ids("visits"), {"n": fresh}) if fresh else []
    ids = iter(int(row[0]) for row in drawn)
    inserts: list[dict[str, Any]] = []
    extends: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    deletes: list[dict[str, Any]] = []
    restamps: list[dict[str, Any]] = []
    for site, visitor, indexes, joined in plans:
        kept = joined.kept
        visit_id = kept.id if kept is not None else next(ids)
        if kept is None:
            inserts.append(
                {"id": visit_id, "site_id": site, "visitor": visitor, **_span_and_values(joined)}
            )
        elif kept.start == joined.start and not joined.restamp:
            extends.append(
                {
                    "id": visit_id,
                    "end_ts": joined.end,
                    "events": joined.events,
                    "pageviews": joined.pageviews,
                }
            )
        else:
            updates.append({"id": visit_id, **_span_and_values(joined)})
        deletes.extend({"id": v.id} for v in joined.absorbed)
        stamp = dict(zip(visit_sql.EVENT_VISIT_COLUMNS, (visit_id, *joined.values), strict=True))
        if joined.restamp:
            before = [v for v in (joined.kept, *joined.absorbed) if v is not None]
            restamps.append(
                {
                    "site_id": site,
                    "visitor": visitor,
                    "lo": min(v.start for v in before),
                    "hi": max(v.end for v in before),
                    **stamp,
                }
            )
        for hit in joined.hits:
            events[indexes[hit]].update(stamp)
    run.many(visit_sql.DELETE_VISIT, deletes)
    run.many(visit_sql.EXTEND_VISIT, extends)
    run.many(visit_sql.UPDATE_VISIT, updates)
    run.many(visit_sql.INSERT_VISIT, inserts)
    run.many(visit_sql.RESTAMP_EVENTS, restamps)


def _span_and_values(joined: visits.Joined) -> dict[str, Any]:
    span = (joined.start, joined.end, joined.events, joined.pageviews)
    return {
        **dict(zip(visit_sql.VISIT_SPAN, span, strict=True)),
        **dict(zip(visit_sql.VISIT_VALUE_COLUMNS, joined.values, strict=True)),
    }


def _lock_key(site: int, visitor: int) -> int:
    """One signed 64-bit lock key for (site, visitor); a collision only makes two
    visitors take turns."""
    return ((visitor ^ (site * 0x9E3779B97F4A7C15)) & _MASK_63) - (1 << 62)


def _stored_visits(
    run: Statements,
    dialect: Dialect,
    events: Sequence[Mapping[str, Any]],
    by_visitor: Mapping[tuple[int, int], list[int]],
    timeout_ms: int,
) -> dict[tuple[int, int], list[visits.Visit]]:
    """The stored visits of each (site, visitor) that a new event may join: those
    reaching within the timeout of the visitor's new events' span."""
    wanted = []
    for (site, visitor), indexes in by_visitor.items():
        instants = [int(events[i]["ts"]) for i in indexes]
        wanted.append(
            {
                "site": site,
                "visitor": visitor,
                "lo": min(instants) - timeout_ms,
                "hi": max(instants) + timeout_ms,
            }
        )
    statement = visit_sql.stored_visits(dialect)
    found: defaultdict[tuple[int, int], list[visits.Visit]] = defaultdict(list)
    for site, visitor, visit_id, start, end, count, pageviews, *values in run.rows(
        statement, {"wanted": json.dumps(wanted)}
    ):
        found[(int(site), int(visitor))].append(
            visits.Visit(
                id=int(visit_id),
                start=int(start),
                end=int(end),
                events=int(count),
                pageviews=int(pageviews),
                values=tuple(values),
            )
        )
    return found

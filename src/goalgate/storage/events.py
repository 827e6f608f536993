"""Queries of the event store: key dictionary upserts, bulk event inserts, daily salts.

Everything here runs inside a transaction the caller owns, and works the same
on SQLite and PostgreSQL: "insert if missing" is ``INSERT .. ON CONFLICT DO
NOTHING`` followed by a read, so concurrent writers (other workers, other
processes) never fail on each other's rows and always agree on the outcome.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, cast

from sqlalchemy import CursorResult, Table, delete, func, insert, select, text
from sqlmodel.ext.asyncio.session import AsyncSession

from goalgate.domain.goals import EventKind
from goalgate.storage import dialect
from goalgate.storage import visits as visit_store
from goalgate.storage.sql import DIMENSION_COLUMNS
from goalgate.storage.sql.visits import EVENT_VISIT_COLUMNS
from goalgate.storage.tables import Event, EventKey, VisitorSalt

__all__ = [
    "DIMENSION_COLUMNS",
    "Appender",
    "EventRow",
    "KeyTriple",
    "append_events",
    "count_events",
    "daily_salt",
    "event_dicts",
    "forget_salts_before",
    "insert_events",
    "known_keys",
    "missing_keys",
    "pageviews",
    "resolve_keys",
]

# (site id, kind, value): one entry of a site's key dictionary.
KeyTriple = tuple[int, str, str]

# SQLModel does not declare __table__ to type checkers; it is there at runtime.
_EVENTS = cast(Table, Event.__table__)  # type: ignore[attr-defined]
_KEYS = cast(Table, EventKey.__table__)  # type: ignore[attr-defined]
_SALTS = cast(Table, VisitorSalt.__table__)  # type: ignore[attr-defined]
# Far below SQLite's and asyncpg's bound-parameter limits (32766 / 32767).
_IN_CHUNK = 500


async def _run(session: AsyncSession, statement: Any, params: Any = None) -> CursorResult[Any]:
    # Core statements go to the session's connection (same transaction):
    # SQLModel's AsyncSession.execute is deprecated in favour of exec(), which
    # is typed for ORM selects only.
    connection = await session.connection()
    result: CursorResult[Any] = await connection.execute(statement, params)
    return result


async def resolve_keys(session: AsyncSession, triples: Iterable[KeyTriple]) -> dict[KeyTriple, int]:
    """The id of each (site, kind, value), creating the missing dictionary entries."""
    wanted = sorted(set(triples))
    found = await _known_keys(session, wanted)
    missing = [triple for triple in wanted if triple not in found]
    if not missing:
        return found
    backend = dialect.of(session)
    # Ids must become visible in increasing order per site (readers mirror
    # the dictionary by "ids above the last one seen"): where the backend does
    # not promise it, transactions adding keys to a site take turns.
    for lock, params in backend.key_locks(site_id for site_id, _, _ in missing):
        await _run(session, text(lock), params)
    # Sorted rows, and only the missing ones: an attempted insert costs a
    # sequence number on PostgreSQL even when it conflicts.
    await _run(
        session,
        backend.insert_ignoring_conflicts(_KEYS),
        [{"site_id": s, "kind": k, "value": v} for s, k, v in missing],
    )
    found.update(await _known_keys(session, missing))
    vanished = [triple for triple in missing if triple not in found]
    if vanished:  # only the deletion of a site while recording can cause this
        raise LookupError(f"event keys vanished while being recorded: {vanished[:3]}")
    return found


async def known_keys(session: AsyncSession, triples: Sequence[KeyTriple]) -> dict[KeyTriple, int]:
    """The ids of those of ``triples`` that are in the dictionary already."""
    return await _known_keys(session, triples)


async def _known_keys(session: AsyncSession, triples: Sequence[KeyTriple]) -> dict[KeyTriple, int]:
    by_group: defaultdict[tuple[int, str], list[str]] = defaultdict(list)
    for site_id, kind, value in triples:
        by_group[(site_id, kind)].append(value)
    found: dict[KeyTriple, int] = {}
    for (site_id, kind), values in by_group.items():
        for start in range(0, len(values), _IN_CHUNK):
            result = await _run(
                session,
                select(_KEYS.c.id, _KEYS.c.value).where(
                    _KEYS.c.site_id == site_id,
                    _KEYS.c.kind == kind,
                    _KEYS.c.value.in_(values[start : start + _IN_CHUNK]),
                ),
            )
            for row in result:
                found[(site_id, kind, str(row.value))] = int(row.id)
    return found


async def append_events(
    session: AsyncSession,
    rows: Sequence[EventRow],
    keys: Mapping[KeyTriple, int],
    visit_timeout_ms: int,
) -> None:
    """Join ``rows`` (keys resolved in ``keys``) to their visits and insert them,
    in the caller's transaction."""
    dicts = event_dicts(rows, keys, {})
    flags = pageviews(rows)
    backend = dialect.of(session)
    await session.run_sync(
        lambda sync: visit_store.assign_visits(
            visit_store.SessionStatements(sync), backend, dicts, flags, visit_timeout_ms
        )
    )
    await insert_events(session, dicts)


def pageviews(rows: Sequence[EventRow]) -> list[bool]:
    """Whether each row is a pageview (a visit of one pageview is a bounce)."""
    return [row.key[1] == _PAGEVIEW for row in rows]


_PAGEVIEW = EventKind.PAGEVIEW.value


async def insert_events(session: AsyncSession, rows: Sequence[Mapping[str, Any]]) -> None:
    """Append events (dicts of the ``events`` columns but ``id``) in one executemany."""
    if rows:
        await _run(session, insert(_EVENTS), list(rows))


async def count_events(session: AsyncSession, site_id: int) -> int:
    result = await _run(
        session, select(func.count()).select_from(_EVENTS).where(_EVENTS.c.site_id == site_id)
    )
    return int(result.scalar_one())


async def daily_salt(session: AsyncSession, day: str, candidate: str) -> str:
    """The salt of ``day``: ``candidate`` if this call created it, else the stored one.

    Every worker proposes its own random candidate; the first insert wins and
    everyone reads the winner, so all workers hash visitors alike that day.
    """
    await _run(
        session,
        dialect.of(session).insert_ignoring_conflicts(_SALTS),
        [{"day": day, "salt": candidate}],
    )
    result = await _run(session, select(_SALTS.c.salt).where(_SALTS.c.day == day))
    return str(result.scalar_one())


async def forget_salts_before(session: AsyncSession, day: str) -> None:
    """Delete the salts of days before ``day``: their visitors can never be re-derived."""
    await _run(session, delete(_SALTS).where(_SALTS.c.day < day))


@dataclass(frozen=True, slots=True)
class EventRow:
    """One event to append: its key as (site, kind, value), not yet as an id."""

    key: KeyTriple
    ts: int
    visitor: int
    revenue_micros: int | None
    revenue_currency: str | None
    # (events column, key) of each dimension the event has a value for.
    dimensions: tuple[tuple[str, KeyTriple], ...] = ()

    def key_triples(self) -> list[KeyTriple]:
        return [self.key, *(key for _, key in self.dimensions)]


class Appender(Protocol):
    """Appends events, with their keys, in one transaction of its own
    (``storage.appenders``: one per backend)."""

    async def append(
        self, rows: Sequence[EventRow], known_keys: Mapping[KeyTriple, int]
    ) -> dict[KeyTriple, int]:
        """Commit ``rows``; return the key ids resolved (those not in ``known_keys``)."""
        ...

    async def close(self) -> None: ...


def missing_keys(rows: Sequence[EventRow], known_keys: Mapping[KeyTriple, int]) -> list[KeyTriple]:
    """The keys of ``rows`` not in ``known_keys``, sorted (the order inserts take)."""
    return sorted(_keys_of(rows) - known_keys.keys())


def _keys_of(rows: Sequence[EventRow]) -> set[KeyTriple]:
    return {key for row in rows for key in row.key_triples()}


def event_dicts(
    rows: Sequence[EventRow],
    resolved: Mapping[KeyTriple, int],
    known_keys: Mapping[KeyTriple, int],
) -> list[dict[str, Any]]:
    """The ``events`` column values of each row, its keys as ids (every column named)."""

    def id_of(key: KeyTriple) -> int:
        return resolved[key] if key in resolved else known_keys[key]

    dicts = []
    for row in rows:
        values: dict[str, Any] = {
            "site_id": row.key[0],
            "key_id": id_of(row.key),
            "ts": row.ts,
            "visitor": row.visitor,
            "revenue_micros": row.revenue_micros,
            "revenue_currency": row.revenue_currency,
        }
        values.update(dict.fromkeys(DIMENSION_COLUMNS))
        values.update(dict.fromkeys(EVENT_VISIT_COLUMNS))
        for column, key in row.dimensions:
            values[column] = id_of(key)
        dicts.append(values)
    return dicts

"""Queries of the event store: key dictionary upserts, bulk event inserts, daily salts.

Everything here runs inside a transaction the caller owns, and works the same
on SQLite and PostgreSQL: "insert if missing" is ``INSERT .. ON CONFLICT DO
NOTHING`` followed by a read, so concurrent writers (other workers, other
processes) never fail on each other's rows and always agree on the outcome.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, cast

from sqlalchemy import CursorResult, Table, delete, func, insert, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel.ext.asyncio.session import AsyncSession

from goalgate.storage.tables import Event, EventKey, VisitorSalt

__all__ = [
    "KeyTriple",
    "count_events",
    "daily_salt",
    "forget_salts_before",
    "insert_events",
    "known_keys",
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
# First key of the two-key advisory locks taken while adding keys to a site.
_KEY_LOCK_SPACE = 0x6767


async def _run(session: AsyncSession, statement: Any, params: Any = None) -> CursorResult[Any]:
    # Core statements go to the session's connection (same transaction):
    # SQLModel's AsyncSession.execute is deprecated in favour of exec(), which
    # is typed for ORM selects only.
    connection = await session.connection()
    result: CursorResult[Any] = await connection.execute(statement, params)
    return result


def _insert_ignoring_conflicts(session: AsyncSession, table: Table) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing()
    return sqlite.insert(table).on_conflict_do_nothing()


async def resolve_keys(session: AsyncSession, triples: Iterable[KeyTriple]) -> dict[KeyTriple, int]:
    """The id of each (site, kind, value), creating the missing dictionary entries."""
    wanted = sorted(set(triples))
    found = await _known_keys(session, wanted)
    missing = [triple for triple in wanted if triple not in found]
    if not missing:
        return found
    if session.get_bind().dialect.name == "postgresql":
        # Readers mirror the dictionary by "ids above the last one seen" per
        # site and kind, which needs ids to become visible in increasing order.
        # A sequence does not promise that across concurrent transactions, so
        # transactions adding keys to a site take turns (lock held to commit).
        # SQLite needs nothing: its write transactions are serial already.
        for site_id in sorted({site_id for site_id, _, _ in missing}):
            await _run(
                session,
                text("SELECT pg_advisory_xact_lock(:space, :site)"),
                {"space": _KEY_LOCK_SPACE, "site": site_id},
            )
    # Sorted rows, and only the missing ones: an attempted insert costs a
    # sequence number on PostgreSQL even when it conflicts.
    await _run(
        session,
        _insert_ignoring_conflicts(session, _KEYS),
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
        session, _insert_ignoring_conflicts(session, _SALTS), [{"day": day, "salt": candidate}]
    )
    result = await _run(session, select(_SALTS.c.salt).where(_SALTS.c.day == day))
    return str(result.scalar_one())


async def forget_salts_before(session: AsyncSession, day: str) -> None:
    """Delete the salts of days before ``day``: their visitors can never be re-derived."""
    await _run(session, delete(_SALTS).where(_SALTS.c.day < day))

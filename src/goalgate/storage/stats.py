"""The stats queries: the per-site key dictionary, and conversions aggregated by goal.

Aggregation takes any number of goals in one statement. Each goal arrives as
rows (tag, site, key id, start, end, currency) in one JSON parameter; the
statement walks those rows and, for each, the ``ix_events_site_key_ts`` index
range of its key and period, so cost follows the matching events only.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import text
from sqlmodel.ext.asyncio.session import AsyncSession

__all__ = ["Aggregate", "AggregateRequest", "aggregate_goals", "keys_after"]


@dataclass(frozen=True, slots=True)
class AggregateRequest:
    """One goal's question: these keys of this site, in [start_ms, end_ms)."""

    tag: int
    site_id: int
    key_ids: Sequence[int]
    start_ms: int
    end_ms: int
    currency: str | None


@dataclass(frozen=True, slots=True)
class Aggregate:
    conversions: int
    unique_conversions: int
    # Sum of the revenue sent in the goal's currency, in millionths; None if none.
    revenue_micros: int | None


EMPTY = Aggregate(0, 0, None)

_KEYS_AFTER = text(
    "SELECT id, value FROM event_keys WHERE site_id = :site AND kind = :kind AND id > :after "
    "ORDER BY id"
)

# SQLite: CROSS JOIN makes the goal rows the outer loop, so each probes the index.
_AGGREGATE_SQLITE = text(
    """
    WITH m AS (
        SELECT json_extract(value, '$.g') AS g, json_extract(value, '$.site') AS site,
               json_extract(value, '$.k') AS k, json_extract(value, '$.s') AS s,
               json_extract(value, '$.e') AS e, json_extract(value, '$.cur') AS cur
        FROM json_each(:rows)
    )
    SELECT m.g, count(*), count(DISTINCT ev.visitor),
           sum(CASE WHEN ev.revenue_currency = m.cur THEN ev.revenue_micros END)
    FROM m CROSS JOIN events AS ev
    WHERE ev.site_id = m.site AND ev.key_id = m.k AND ev.ts >= m.s AND ev.ts < m.e
    GROUP BY m.g
    """
)

_AGGREGATE_POSTGRES = text(
    """
    WITH m AS (
        SELECT * FROM jsonb_to_recordset(CAST(:rows AS jsonb))
            AS x(g int, site int, k int, s bigint, e bigint, cur text)
    )
    SELECT m.g, count(*), count(DISTINCT ev.visitor),
           sum(CASE WHEN ev.revenue_currency = m.cur THEN ev.revenue_micros END)
    FROM m JOIN events AS ev
      ON ev.site_id = m.site AND ev.key_id = m.k AND ev.ts >= m.s AND ev.ts < m.e
    GROUP BY m.g
    """
)


async def keys_after(
    session: AsyncSession, site_id: int, kind: str, after_id: int
) -> list[tuple[int, str]]:
    """The site's keys of one kind added after ``after_id`` (the dictionary only grows)."""
    # Through the connection: SQLModel's AsyncSession.execute() is deprecated
    # (a DeprecationWarning, an error under the test suite's filterwarnings).
    connection = await session.connection()
    result = await connection.execute(
        _KEYS_AFTER, {"site": site_id, "kind": kind, "after": after_id}
    )
    return [(int(row[0]), str(row[1])) for row in result]


async def aggregate_goals(
    session: AsyncSession, requests: Sequence[AggregateRequest]
) -> dict[int, Aggregate]:
    """Conversions, unique visitors and revenue per request tag, in one statement."""
    rows = [
        {"g": r.tag, "site": r.site_id, "k": k, "s": r.start_ms, "e": r.end_ms, "cur": r.currency}
        for r in requests
        for k in r.key_ids
    ]
    found = {r.tag: EMPTY for r in requests}
    if not rows:
        return found
    bind = session.get_bind()
    statement = _AGGREGATE_SQLITE if bind.dialect.name == "sqlite" else _AGGREGATE_POSTGRES
    connection = await session.connection()
    result = await connection.execute(statement, {"rows": json.dumps(rows)})
    for tag, conversions, uniques, revenue in result:
        found[int(tag)] = Aggregate(
            int(conversions), int(uniques), None if revenue is None else int(revenue)
        )
    return found

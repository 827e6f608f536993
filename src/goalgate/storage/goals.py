"""Queries on goals."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from goalgate.storage.readers import Reader
from goalgate.storage.records import GoalRecord
from goalgate.storage.tables import Goal

__all__ = [
    "count_goals",
    "goal_by_id",
    "goal_by_name_key",
    "goal_record",
    "goals_of_site",
    "goals_with_site_keys",
    "page_of_goals",
]


async def goal_by_id(
    session: AsyncSession, site_id: int, goal_id: str, *, for_update: bool = False
) -> Goal | None:
    """One goal; ``for_update`` locks its row until the transaction ends.

    The lock is what makes read-check-write updates safe on PostgreSQL: without
    it two concurrent PATCHes both read version N and both write N+1, one of
    them lost (and both pass the same If-Match). SQLite needs no row lock, its
    write transactions begin IMMEDIATE, and the dialect omits FOR UPDATE.
    """
    query = select(Goal).where(Goal.site_id == site_id, Goal.id == goal_id)
    if for_update:
        query = query.with_for_update()
    result = await session.exec(query)
    return result.first()


async def goal_by_name_key(session: AsyncSession, site_id: int, name_key: str) -> Goal | None:
    result = await session.exec(
        select(Goal).where(Goal.site_id == site_id, Goal.name_key == name_key)
    )
    return result.first()


# Statements built from constant column lists; values are always bound parameters.
_OF_SITE = f"SELECT {GoalRecord.COLUMNS} FROM goals WHERE site_id = :site"  # noqa: S608
_ORDER = " ORDER BY created_at, id"


async def goal_record(reader: Reader, site_id: int, goal_id: str) -> GoalRecord | None:
    rows = await reader.rows(f"{_OF_SITE} AND id = :id", {"site": site_id, "id": goal_id})
    return GoalRecord.from_row(rows[0]) if rows else None


_JOINED = ", ".join(f"g.{column.strip()}" for column in GoalRecord.COLUMNS.split(","))


async def goals_with_site_keys(reader: Reader, goal_ids: list[str]) -> list[tuple[GoalRecord, str]]:
    """The goals among ``goal_ids`` (canonical UUIDs) that exist, whatever their
    site, each with its site's key: one statement for any number of ids."""
    if not goal_ids:
        return []
    names = ", ".join(f":g{n}" for n in range(len(goal_ids)))
    rows = await reader.rows(
        f"SELECT {_JOINED}, s.key FROM goals AS g JOIN sites AS s ON s.id = g.site_id "  # noqa: S608
        f"WHERE g.id IN ({names})",
        {f"g{n}": goal_id for n, goal_id in enumerate(goal_ids)},
    )
    return [(GoalRecord.from_row(row), str(row[10])) for row in rows]


async def goals_of_site(reader: Reader, site_id: int) -> list[GoalRecord]:
    """Every goal of a site, oldest first."""
    rows = await reader.rows(_OF_SITE + _ORDER, {"site": site_id})
    return [GoalRecord.from_row(row) for row in rows]


async def page_of_goals(
    reader: Reader,
    site_id: int,
    *,
    limit: int,
    after: tuple[datetime, str] | None,
    goal_type: str | None,
) -> list[GoalRecord]:
    """Up to ``limit`` goals oldest first, strictly after the (created_at, id) cursor."""
    sql, params = _OF_SITE, dict[str, Any](site=site_id, limit=limit)
    if goal_type is not None:
        sql += " AND type = :type"
        params["type"] = goal_type
    if after is not None:
        sql += " AND (created_at > :at OR (created_at = :at AND id > :after_id))"
        params["at"] = reader.dialect.stored_instant(after[0])
        params["after_id"] = after[1]
    rows = await reader.rows(sql + _ORDER + " LIMIT :limit", params)
    return [GoalRecord.from_row(row) for row in rows]


async def count_goals(reader: Reader, site_id: int, *, goal_type: str | None) -> int:
    sql, params = "SELECT count(*) FROM goals WHERE site_id = :site", dict[str, Any](site=site_id)
    if goal_type is not None:
        sql += " AND type = :type"
        params["type"] = goal_type
    rows = await reader.rows(sql, params)
    return int(rows[0][0])

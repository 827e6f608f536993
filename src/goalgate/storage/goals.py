"""Queries on goals."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from goalgate.storage.tables import Goal

__all__ = [
    "count_goals",
    "goal_by_id",
    "goal_by_name_key",
    "goals_by_ids",
    "goals_of_site",
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


async def goals_by_ids(session: AsyncSession, goal_ids: Sequence[str]) -> list[Goal]:
    result = await session.exec(select(Goal).where(col(Goal.id).in_(goal_ids)))
    return list(result.all())


async def goal_by_name_key(session: AsyncSession, site_id: int, name_key: str) -> Goal | None:
    result = await session.exec(
        select(Goal).where(Goal.site_id == site_id, Goal.name_key == name_key)
    )
    return result.first()


async def goals_of_site(session: AsyncSession, site_id: int) -> list[Goal]:
    """Every goal of a site, oldest first."""
    result = await session.exec(
        select(Goal).where(Goal.site_id == site_id).order_by(col(Goal.created_at), col(Goal.id))
    )
    return list(result.all())


async def page_of_goals(
    session: AsyncSession,
    site_id: int,
    *,
    limit: int,
    after: tuple[datetime, str] | None,
    goal_type: str | None,
) -> list[Goal]:
    """Up to ``limit`` goals oldest first, strictly after the (created_at, id) cursor."""
    query = select(Goal).where(Goal.site_id == site_id)
    if goal_type is not None:
        query = query.where(Goal.type == goal_type)
    if after is not None:
        created_at, goal_id = after
        query = query.where(
            or_(
                col(Goal.created_at) > created_at,
                (col(Goal.created_at) == created_at) & (col(Goal.id) > goal_id),
            )
        )
    query = query.order_by(col(Goal.created_at), col(Goal.id)).limit(limit)
    result = await session.exec(query)
    return list(result.all())


async def count_goals(session: AsyncSession, site_id: int, *, goal_type: str | None) -> int:
    query = select(func.count()).select_from(Goal).where(Goal.site_id == site_id)
    if goal_type is not None:
        query = query.where(Goal.type == goal_type)
    result = await session.exec(query)
    return int(result.one())

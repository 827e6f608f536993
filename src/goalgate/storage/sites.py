"""Queries on sites."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from goalgate.storage.tables import Site

__all__ = ["add_site", "all_sites", "site_by_key", "sites_by_keys"]


async def site_by_key(session: AsyncSession, key: str) -> Site | None:
    result = await session.exec(select(Site).where(Site.key == key))
    return result.first()


async def sites_by_keys(session: AsyncSession, keys: Sequence[str]) -> list[Site]:
    result = await session.exec(select(Site).where(col(Site.key).in_(keys)).order_by(Site.key))
    return list(result.all())


async def all_sites(session: AsyncSession) -> list[Site]:
    result = await session.exec(select(Site).order_by(Site.key))
    return list(result.all())


async def add_site(session: AsyncSession, *, key: str, domain: str, timezone: str) -> Site:
    site = Site(key=key, domain=domain, timezone=timezone)
    session.add(site)
    await session.flush()
    return site

"""Queries on sites."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from goalgate.storage.readers import Reader
from goalgate.storage.records import SiteRecord
from goalgate.storage.tables import Site

__all__ = [
    "add_site",
    "all_sites",
    "site_by_key",
    "site_records",
    "site_records_by_keys",
    "sites_by_keys",
]

# Statements built from constant column lists; values are always bound parameters.
_BY_KEY = f"SELECT {SiteRecord.COLUMNS} FROM sites WHERE key = :key"  # noqa: S608
_ALL = f"SELECT {SiteRecord.COLUMNS} FROM sites ORDER BY key"  # noqa: S608


async def site_by_key(reader: Reader, key: str) -> SiteRecord | None:
    rows = await reader.rows(_BY_KEY, {"key": key})
    return SiteRecord.from_row(rows[0]) if rows else None


async def site_records_by_keys(reader: Reader, keys: Sequence[str]) -> list[SiteRecord]:
    """The sites among ``keys`` that exist, by key (keys are few: a token's sites)."""
    found = [await site_by_key(reader, key) for key in sorted(set(keys))]
    return [site for site in found if site is not None]


async def site_records(reader: Reader) -> list[SiteRecord]:
    """Every site, by key."""
    return [SiteRecord.from_row(row) for row in await reader.rows(_ALL)]


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

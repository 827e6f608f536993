"""Sites: create and list them, and find the one a principal may see.

Sites are read on every request and change only by being created (no route
or command edits or deletes one), so each process keeps the sites it has
looked up (``SiteDirectory``). A found site is kept for ``FOUND_TTL_S`` (an
operator's edit by hand in the database shows within that bound); a key not
found is remembered for ``MISSING_TTL_S`` only, so a new site is served within
that bound and a flood of unknown keys costs one lookup per key and interval.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable

from goalgate.domain.periods import validate_timezone
from goalgate.domain.tokens import Principal, Scope
from goalgate.errors import Conflict, NotFound, ValidationFailed
from goalgate.services.tokens import require
from goalgate.storage import sites as site_store
from goalgate.storage.db import Database
from goalgate.storage.readers import Reader
from goalgate.storage.records import SiteRecord
from goalgate.storage.tables import Site

__all__ = [
    "FOUND_TTL_S",
    "MISSING_TTL_S",
    "SiteDirectory",
    "create_site",
    "list_sites",
    "readable_site",
    "visible_site",
    "visible_sites",
]

FOUND_TTL_S = 60.0
MISSING_TTL_S = 2.0
_MAX_ENTRIES = 50_000

_KEY_RE = re.compile(r"^[A-Za-z0-9_-]{3,64}$")
_DOMAIN_RE = re.compile(
    r"^(?=.{1,253}$)(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)*"
    r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?::\d{1,5})?$"
)


async def create_site(db: Database, *, key: str, domain: str, timezone: str) -> Site:
    """Validate and store a new site, in a transaction of its own."""
    faults: dict[str, str] = {}
    if not _KEY_RE.fullmatch(key):
        faults["key"] = "must be 3 to 64 letters, digits, '_' or '-'"
    if not _DOMAIN_RE.fullmatch(domain):
        faults["domain"] = "must be a host name such as example.com"
    try:
        timezone = validate_timezone(timezone)
    except ValidationFailed as exc:
        faults.update(exc.fields)
    if faults:
        raise ValidationFailed("the site is not valid", fields=faults)
    async with db.transaction() as session:
        if await site_store.sites_by_keys(session, [key]):
            raise Conflict(f"a site with key {key!r} exists already", fields={"key": "taken"})
        return await site_store.add_site(session, key=key, domain=domain.lower(), timezone=timezone)


async def list_sites(db: Database) -> list[Site]:
    async with db.session() as session:
        return await site_store.all_sites(session)


class SiteDirectory:
    """Sites by key, cached per process (bounds in the module docstring)."""

    def __init__(self, reader: Reader, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._reader = reader
        self._now = clock
        self._entries: dict[str, tuple[float, SiteRecord | None]] = {}

    async def by_key(self, key: str) -> SiteRecord | None:
        now = self._now()
        cached = self._entries.get(key)
        if cached is not None and cached[0] > now:
            return cached[1]
        # A key that could never exist is not looked up (PostgreSQL refuses NUL bytes).
        site = await site_store.site_by_key(self._reader, key) if possible_key(key) else None
        if len(self._entries) >= _MAX_ENTRIES:
            self._entries.clear()
        self._entries[key] = (now + (FOUND_TTL_S if site else MISSING_TTL_S), site)
        return site

    async def by_keys(self, keys: set[str]) -> dict[str, SiteRecord]:
        """The sites among ``keys`` that exist, by key."""
        found = {key: await self.by_key(key) for key in keys}
        return {key: site for key, site in found.items() if site is not None}


def possible_key(key: str) -> bool:
    return _KEY_RE.fullmatch(key) is not None


async def visible_site(sites: SiteDirectory, principal: Principal, key: str) -> SiteRecord:
    """The site if it exists and the principal may see it; one 404 for both misses."""
    site = await sites.by_key(key) if principal.can_see(key) else None
    if site is None:
        raise NotFound("site not found")
    return site


async def readable_site(sites: SiteDirectory, principal: Principal, key: str) -> SiteRecord:
    """The site, for a principal that may read analytics (scope analytics:read) and see it."""
    require(principal, Scope.ANALYTICS_READ)
    return await visible_site(sites, principal, key)


async def visible_sites(reader: Reader, principal: Principal) -> list[SiteRecord]:
    if principal.site_keys is None:
        return await site_store.site_records(reader)
    return await site_store.site_records_by_keys(reader, sorted(principal.site_keys))

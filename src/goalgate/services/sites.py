"""Sites: create and list them, and find the one a principal may see."""

from __future__ import annotations

import re

from sqlmodel.ext.asyncio.session import AsyncSession

from goalgate.domain.periods import validate_timezone
from goalgate.domain.tokens import Principal
from goalgate.errors import Conflict, NotFound, ValidationFailed
from goalgate.storage import sites as site_store
from goalgate.storage.tables import Site

__all__ = ["create_site", "list_sites", "visible_site", "visible_sites"]

_KEY_RE = re.compile(r"^[A-Za-z0-9_-]{3,64}$")
_DOMAIN_RE = re.compile(
    r"^(?=.{1,253}$)(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)*"
    r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?::\d{1,5})?$"
)


async def create_site(session: AsyncSession, *, key: str, domain: str, timezone: str) -> Site:
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
    if await site_store.site_by_key(session, key) is not None:
        raise Conflict(f"a site with key {key!r} exists already", fields={"key": "taken"})
    return await site_store.add_site(session, key=key, domain=domain.lower(), timezone=timezone)


async def list_sites(session: AsyncSession) -> list[Site]:
    return await site_store.all_sites(session)


async def visible_site(session: AsyncSession, principal: Principal, key: str) -> Site:
    """The site if it exists and the principal may see it; one 404 for both misses."""
    # A key that could never exist is not looked up (PostgreSQL refuses NUL bytes).
    possible = _KEY_RE.fullmatch(key) is not None and principal.can_see(key)
    site = await site_store.site_by_key(session, key) if possible else None
    if site is None:
        raise NotFound("site not found")
    return site


async def visible_sites(session: AsyncSession, principal: Principal) -> list[Site]:
    if principal.site_keys is None:
        return await site_store.all_sites(session)
    return await site_store.sites_by_keys(session, sorted(principal.site_keys))

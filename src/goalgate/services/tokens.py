"""API tokens: authenticate a bearer secret, issue, list and revoke tokens.

The faces reach ``authenticate`` through the principal cache
(``services.principals``); ``api.auth`` draws the whole path.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from goalgate.domain import tokens as token_rules
from goalgate.domain.tokens import Principal, Scope
from goalgate.errors import Forbidden, NotFound, Unauthenticated, ValidationFailed
from goalgate.storage import sites as site_store
from goalgate.storage import tokens as token_store
from goalgate.storage.db import Database
from goalgate.storage.readers import is_connection_lost
from goalgate.storage.tables import ApiToken, utcnow

__all__ = [
    "analytics_reader",
    "authenticate",
    "create_token",
    "list_tokens",
    "require",
    "revoke_token",
    "secret_hash_of",
]

log = logging.getLogger("goalgate.tokens")

# last_used_at is a hint for operators, not an audit log: write it at most this often.
_TOUCH_EVERY = timedelta(minutes=5)


def require(principal: Principal, scope: Scope) -> None:
    """Raise Forbidden, naming the scope, unless the principal holds it."""
    if not principal.has(scope):
        raise Forbidden(f"this token lacks the {scope.value} scope", fields={"scope": scope.value})


def analytics_reader(principal: Principal) -> Principal:
    """The principal, if it may read analytics (a token's own view needs that scope)."""
    require(principal, Scope.ANALYTICS_READ)
    return principal


def _secret_from_header(authorization: str | None) -> str:
    """The bearer secret (``domain.tokens.bearer_secret``); Unauthenticated saying why not."""
    secret = token_rules.bearer_secret(authorization)
    if secret is None:
        if not authorization:
            raise Unauthenticated("an Authorization: Bearer token is required")
        raise Unauthenticated("the Authorization header must be 'Bearer <token>'")
    return secret


def secret_hash_of(authorization: str | None) -> str:
    """The stored hash of the header's secret; Unauthenticated if it cannot be a token."""
    secret = _secret_from_header(authorization)
    if not token_rules.is_well_formed(secret):
        raise Unauthenticated("the token is invalid or revoked")
    return token_rules.hash_secret(secret)


async def authenticate(db: Database, authorization: str | None) -> Principal:
    """The principal behind an Authorization header, or Unauthenticated (no cache)."""
    secret_hash = secret_hash_of(authorization)
    token = await token_store.token_by_hash(db.reader, secret_hash)
    if (
        token is None
        or token.revoked_at is not None
        or not token_rules.secrets_match(token.secret_hash, _secret_from_header(authorization))
    ):
        raise Unauthenticated("the token is invalid or revoked")
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at > _TOUCH_EVERY:
        try:
            async with db.transaction() as session:
                await token_store.mark_used(session, token.id, now)
        except Exception as exc:
            # "Last used" is a hint: a database that cannot write now (full
            # disk, failing over) must not refuse a valid token its reads.
            if not is_connection_lost(exc):
                raise
            log.warning("could not record the use of token %d: %s", token.id, exc)
    return Principal(
        token_id=token.id,
        name=token.name,
        scopes=frozenset(Scope(s) for s in token.scopes if s in Scope._value2member_map_),
        site_keys=None if token.site_keys is None else frozenset(token.site_keys),
    )


async def create_token(
    db: Database, *, name: str, scopes: list[str], site_keys: list[str] | None
) -> tuple[ApiToken, str]:
    """Issue a token; returns the row and the secret, which is never stored nor shown again."""
    async with db.transaction() as session:
        return await _issue(session, name, scopes, site_keys)


async def _issue(
    session: AsyncSession, name: str, scopes: list[str], site_keys: list[str] | None
) -> tuple[ApiToken, str]:
    faults: dict[str, str] = {}
    name = name.strip()
    if not 1 <= len(name) <= 120:
        faults["name"] = "must be 1 to 120 characters"
    try:
        parsed = token_rules.parse_scopes(scopes)
    except ValueError as exc:
        faults["scope"] = str(exc)
        parsed = []
    if site_keys:
        found = {site.key for site in await site_store.sites_by_keys(session, site_keys)}
        missing = [key for key in site_keys if key not in found]
        if missing:
            faults["site"] = "no such site: " + ", ".join(missing)
    if faults:
        raise ValidationFailed("the token is not valid", fields=faults)
    secret = token_rules.new_secret()
    token = ApiToken(
        name=name,
        prefix=token_rules.display_prefix(secret),
        secret_hash=token_rules.hash_secret(secret),
        scopes=[scope.value for scope in parsed],
        site_keys=sorted(set(site_keys)) if site_keys else None,
    )
    await token_store.add_token(session, token)
    return token, secret


async def list_tokens(db: Database) -> list[ApiToken]:
    async with db.session() as session:
        return await token_store.all_tokens(session)


async def revoke_token(db: Database, token_id: int) -> ApiToken:
    """Revoke a token for good; revoking twice is harmless."""
    async with db.transaction() as session:
        token = await token_store.token_by_id(session, token_id)
        if token is None:
            raise NotFound(f"no token with id {token_id}")
        if token.revoked_at is None:
            token.revoked_at = utcnow()
            session.add(token)
            await session.flush()
        return token

"""API token secrets and scopes: how a token is presented, generated, hashed, and what it may do."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from enum import StrEnum

__all__ = [
    "SECRET_PREFIX",
    "Principal",
    "Scope",
    "bearer_secret",
    "display_prefix",
    "hash_secret",
    "is_well_formed",
    "new_secret",
    "parse_scopes",
    "secrets_match",
]

SECRET_PREFIX = "gg_"  # noqa: S105  (a public marker, not a secret)
# 32 random bytes, base64url without padding: 43 characters.
_SECRET_RE = re.compile(r"^gg_[A-Za-z0-9_-]{43}$")


class Scope(StrEnum):
    """What a token may do; each route and GraphQL operation names the one it needs."""

    ANALYTICS_READ = "analytics:read"
    ANALYTICS_WRITE = "analytics:write"


def bearer_secret(authorization: str | None) -> str | None:
    """The secret of an ``Authorization`` value ``Bearer <secret>``, or None.

    The one rule, on every face (REST, GraphQL over HTTP, a WebSocket's
    ``connection_init``, ``/metrics``) and in the rate limiter: the scheme in
    any case, whitespace around the value and the secret ignored. No value,
    another scheme or no secret gives None.
    """
    if authorization is None:
        return None
    scheme, _, secret = authorization.strip().partition(" ")
    if scheme.lower() == "bearer" and secret.strip():
        return secret.strip()
    return None


def new_secret() -> str:
    """A new token secret: recognisable prefix plus 256 bits of randomness."""
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def is_well_formed(secret: str) -> bool:
    return _SECRET_RE.fullmatch(secret) is not None


def hash_secret(secret: str) -> str:
    """SHA-256 hex digest; a 256-bit random secret needs no salt or slow hash."""
    return hashlib.sha256(secret.encode()).hexdigest()


def secrets_match(stored_hash: str, presented_secret: str) -> bool:
    """Constant-time comparison of a stored hash with a presented secret."""
    return hmac.compare_digest(stored_hash, hash_secret(presented_secret))


def display_prefix(secret: str) -> str:
    """The part of a secret safe to show in listings, e.g. ``gg_Ab3dE6``."""
    return secret[: len(SECRET_PREFIX) + 6]


def parse_scopes(values: list[str]) -> list[Scope]:
    """Validate scope names; raises ValueError naming the first unknown one."""
    scopes: list[Scope] = []
    for value in values:
        try:
            scope = Scope(value)
        except ValueError:
            known = ", ".join(s.value for s in Scope)
            raise ValueError(f"unknown scope {value!r} (known: {known})") from None
        if scope not in scopes:
            scopes.append(scope)
    if not scopes:
        raise ValueError("at least one scope is required")
    return scopes


class Principal:
    """Who is calling: a token's name, scopes, and the sites it may see."""

    __slots__ = ("name", "scopes", "site_keys", "token_id")

    def __init__(
        self,
        *,
        token_id: int,
        name: str,
        scopes: frozenset[Scope],
        site_keys: frozenset[str] | None,
    ) -> None:
        self.token_id = token_id
        self.name = name
        self.scopes = scopes
        self.site_keys = site_keys  # None: every site

    def has(self, scope: Scope) -> bool:
        return scope in self.scopes

    def can_see(self, site_key: str) -> bool:
        return self.site_keys is None or site_key in self.site_keys

"""Authenticated principals, cached per process for at most ``ttl`` seconds.

Every authenticated request needs its token's scopes and sites. Reading them
from the database each time is a round trip per request; caching them per
process makes a request cost no I/O for authentication. The price is
staleness: a revoked (or narrowed) token keeps working on a worker that cached
it until the entry expires. The bound is ``ttl`` (1 s by default), so a
revocation is refused on every worker within 1 s, inside the 2 s the API
promises (docs: Security). Only successes are cached: a token created a moment
ago is never refused for having been unknown, and failures are paid for by
the rate limiter (they count against the client's IP). The request's log
lines name the token by id (``goalgate.logs``), never by its secret. The
whole authentication path, from the request to here, is drawn in ``api.auth``.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from goalgate import logs
from goalgate.domain.tokens import Principal
from goalgate.errors import Unauthenticated
from goalgate.services import tokens as token_service
from goalgate.storage.db import Database

__all__ = ["PRINCIPAL_TTL_S", "Principals"]

PRINCIPAL_TTL_S = 1.0
# Distinct live tokens a worker keeps; past that the oldest entries go first.
_MAX_ENTRIES = 10_000


class Principals:
    """The principal behind an Authorization header, from cache when fresh."""

    def __init__(
        self,
        db: Database,
        *,
        ttl: float = PRINCIPAL_TTL_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._db = db
        self._ttl = ttl
        self._now = clock
        self._entries: dict[str, tuple[float, Principal]] = {}

    def cached(self, authorization: str | None) -> Principal | None:
        """The principal if this process holds it fresh; None when a lookup is needed."""
        try:
            secret_hash = token_service.secret_hash_of(authorization)
        except Unauthenticated:
            return None
        cached = self._entries.get(secret_hash)
        if cached is not None and cached[0] > self._now():
            return cached[1]
        return None

    async def authenticate(self, authorization: str | None) -> Principal:
        """As ``services.tokens.authenticate``, at most ``ttl`` seconds stale."""
        secret_hash = token_service.secret_hash_of(authorization)
        now = self._now()
        cached = self._entries.get(secret_hash)
        if cached is not None and cached[0] > now:
            logs.bind_token(cached[1].token_id)
            return cached[1]
        principal = await token_service.authenticate(self._db, authorization)
        logs.bind_token(principal.token_id)
        self._entries.pop(secret_hash, None)
        if len(self._entries) >= _MAX_ENTRIES:
            del self._entries[next(iter(self._entries))]
        self._entries[secret_hash] = (now + self._ttl, principal)
        return principal

"""The rate-limit middleware: per token on the authenticated routes, per IP on ingestion.

It runs before authentication and before the body is read, so that a flood is
refused at the cost of one counter increment. The token is identified by a hash
of the bearer secret as sent: a valid token's requests all count in one bucket
whichever worker serves them. Requests to an authenticated route without a
bearer token count per client IP under the token rate (they get a 401 anyway,
but may not hammer the token lookup); so do tokens that fail authentication
(``api.auth.authentication.authenticate``). The operations of a WebSocket are
counted in their token's bucket by ``api.graphql.limits``, and the events of
an ingestion batch per IP by the route. The bearer secret and the client IP are
read as every face reads them (``api.auth``: ``X-Forwarded-For`` is honoured
only from the proxies in ``FORWARDED_ALLOW_IPS``).

Every per-IP limit counts a client by ``client_key``: an IPv6 client by its
/64 network, the smallest block an ISP hands a subscriber (counted per
address, one /64 held 2^64 allowances), and an IPv4-mapped IPv6 address as the
IPv4 address it is.

Refusals raise ``errors.RateLimited``, which the REST error mapping turns into
429 with ``Retry-After`` and the documented body. Every counted response
carries ``RateLimit-Limit``, ``RateLimit-Remaining`` and ``RateLimit-Reset``.
If the counter store fails (Redis or the database down), the request is let
through and the failure logged: losing the limit briefly is better than losing
the service.
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
from functools import lru_cache

from litestar.datastructures import MutableScopeHeaders
from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from goalgate.api.auth.credentials import authorization, client_ip
from goalgate.api.ingest import EVENTS_PATH
from goalgate.domain.tokens import bearer_secret
from goalgate.runtime import Runtime
from goalgate.services.ratelimit import Decision, Quota, RateLimiter, parse_quota

__all__ = [
    "RateLimitMiddleware",
    "anon_key",
    "client_key",
    "ingest_events_key",
    "limit_key",
    "token_key",
    "token_quota",
]

log = logging.getLogger("goalgate.ratelimit")

_AUTHENTICATED_PREFIXES = ("/api/v1/analytics/sites/", "/graphql")


@lru_cache(maxsize=4096)
def client_key(ip: str) -> str:
    """Who a client IP counts as in per-IP limits: itself, or its IPv6 /64 network."""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:  # not an address ("unknown", a test client's name)
        # Cut, so that every key fits the counter store's column (200).
        return ip[:64]
    if isinstance(address, ipaddress.IPv4Address):
        return str(address)
    if address.ipv4_mapped is not None:
        return str(address.ipv4_mapped)
    # The scope (``%eth0``) of a link-local address is no part of its network.
    return str(ipaddress.IPv6Network((address.packed, 64), strict=False))


def anon_key(ip: str) -> str:
    """The bucket of a client IP on the token rate: no token, or tokens that failed."""
    return f"anon:{client_key(ip)}"


def ingest_events_key(ip: str) -> str:
    """The bucket of a client IP on the ingestion event rate (a batch counts each event)."""
    return f"ingest-events:{client_key(ip)}"


def token_key(authorization: str | None, ip: str) -> str:
    """The token-rate bucket of a caller: its bearer token's, or its IP's without one.

    HTTP requests and the operations of a WebSocket (whose token came in
    ``connection_init``) share it, so a token has one allowance however it calls.
    """
    secret = bearer_secret(authorization)
    if secret is None:
        return anon_key(ip)
    # A hash, so that no secret is ever stored; 160 bits cannot collide by chance.
    digest = hashlib.sha256(secret.encode("utf-8", "surrogateescape")).hexdigest()[:40]
    return f"token:{digest}"


@lru_cache(maxsize=8)
def token_quota(text: str) -> Quota | None:
    """A rate setting (``GOALGATE_RATE_LIMIT_TOKEN``...) parsed, once per distinct value."""
    return parse_quota(text)


def limit_key(scope: Scope) -> tuple[str, str] | None:
    """The limit that applies ("token" or "ingest") and the bucket key, or None if unlimited."""
    path: str = scope["path"]
    if path.rstrip("/") == EVENTS_PATH:
        return "ingest", f"ingest:{client_key(client_ip(scope))}"
    if path.startswith(_AUTHENTICATED_PREFIXES):
        return "token", token_key(authorization(scope), client_ip(scope))
    return None


class RateLimitMiddleware(ASGIMiddleware):
    """Counts each HTTP request of a limited route in the app's shared ``RateLimiter``."""

    scopes = (ScopeType.HTTP,)

    def __init__(self, *, token: Quota | None, ingest: Quota | None) -> None:
        self._quotas = {"token": token, "ingest": ingest}

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        # Preflights are answered by the CORS wrapper; a stray OPTIONS costs nothing.
        found = None if scope.get("method") == "OPTIONS" else limit_key(scope)
        quota = None if found is None else self._quotas[found[0]]
        if found is None or quota is None:
            await next_app(scope, receive, send)
            return
        runtime: Runtime = scope["litestar_app"].state.runtime
        limiter: RateLimiter = runtime.limiter
        try:
            decision = await limiter.hit(found[1], quota)
        except Exception:
            log.exception("rate-limit store failed; letting the request through")
            await next_app(scope, receive, send)
            return
        if not decision.allowed and runtime.metrics is not None:
            runtime.metrics.refused(found[0])
        limiter.raise_if_refused(decision, quota)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                _add_headers(MutableScopeHeaders.from_message(message), decision)
            await send(message)

        await next_app(scope, receive, send_with_headers)


def _add_headers(headers: MutableScopeHeaders, decision: Decision) -> None:
    headers["RateLimit-Limit"] = str(decision.limit)
    headers["RateLimit-Remaining"] = str(decision.remaining)
    headers["RateLimit-Reset"] = str(decision.reset_after)

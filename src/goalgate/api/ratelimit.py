"""The rate-limit middleware: per token on the authenticated routes, per IP on ingestion.

It runs before authentication and before the body is read, so that a flood is
refused at the cost of one counter increment. The token is identified by a hash
of the bearer secret as sent: a valid token's requests all count in one bucket
whichever worker serves them. Requests to an authenticated route without a
bearer token count per client IP under the token rate (they get a 401 anyway,
but may not hammer the token lookup). The client IP is the one uvicorn reports,
which honours ``X-Forwarded-For`` only from the proxies it trusts
(``FORWARDED_ALLOW_IPS``).

Refusals raise ``errors.RateLimited``, which the REST error mapping turns into
429 with ``Retry-After`` and the documented body. Every counted response
carries ``RateLimit-Limit``, ``RateLimit-Remaining`` and ``RateLimit-Reset``.
If the counter store fails (Redis or the database down), the request is let
through and the failure logged: losing the limit briefly is better than losing
the service.
"""

from __future__ import annotations

import hashlib
import logging

from litestar.datastructures import MutableScopeHeaders
from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from goalgate.runtime import Runtime
from goalgate.services.ratelimit import Decision, Rate, RateLimiter

__all__ = ["INGEST_PATH", "RateLimitMiddleware", "limit_key"]

log = logging.getLogger("goalgate.ratelimit")

INGEST_PATH = "/api/v1/analytics/events"
_AUTHENTICATED_PREFIXES = ("/api/v1/analytics/sites/", "/graphql")


def _client_ip(scope: Scope) -> str:
    client = scope.get("client")
    return client[0] if client else "unknown"


def _bearer_secret(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == b"authorization":
            scheme, _, secret = value.decode("latin-1").strip().partition(" ")
            if scheme.lower() == "bearer" and secret.strip():
                return secret.strip()
            return None
    return None


def limit_key(scope: Scope) -> tuple[str, str] | None:
    """The kind of limit ("token" or "ingest") and the bucket key, or None if unlimited."""
    path: str = scope["path"]
    if path.rstrip("/") == INGEST_PATH:
        return "ingest", f"ingest:{_client_ip(scope)}"
    if path.startswith(_AUTHENTICATED_PREFIXES):
        secret = _bearer_secret(scope)
        if secret is None:
            return "token", f"anon:{_client_ip(scope)}"
        # A hash, so that no secret is ever stored; 160 bits cannot collide by chance.
        digest = hashlib.sha256(secret.encode("utf-8", "surrogateescape")).hexdigest()[:40]
        return "token", f"token:{digest}"
    return None


class RateLimitMiddleware(ASGIMiddleware):
    """Counts each HTTP request of a limited route in the app's shared ``RateLimiter``."""

    scopes = (ScopeType.HTTP,)

    def __init__(self, *, token: Rate | None, ingest: Rate | None) -> None:
        self._rates = {"token": token, "ingest": ingest}

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        # Preflights are answered by the CORS wrapper; a stray OPTIONS costs nothing.
        found = None if scope.get("method") == "OPTIONS" else limit_key(scope)
        rate = None if found is None else self._rates[found[0]]
        if found is None or rate is None:
            await next_app(scope, receive, send)
            return
        runtime: Runtime = scope["litestar_app"].state.runtime
        limiter: RateLimiter = runtime.limiter
        try:
            decision = await limiter.hit(found[1], rate)
        except Exception:
            log.exception("rate-limit store failed; letting the request through")
            await next_app(scope, receive, send)
            return
        if not decision.allowed and runtime.metrics is not None:
            runtime.metrics.refused(found[0])
        limiter.raise_if_refused(decision, rate)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                _add_headers(MutableScopeHeaders.from_message(message), decision)
            await send(message)

        await next_app(scope, receive, send_with_headers)


def _add_headers(headers: MutableScopeHeaders, decision: Decision) -> None:
    headers["RateLimit-Limit"] = str(decision.limit)
    headers["RateLimit-Remaining"] = str(decision.remaining)
    headers["RateLimit-Reset"] = str(decision.reset_after)

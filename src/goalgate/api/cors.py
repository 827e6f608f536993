"""CORS: any origin on ingestion and the tracker script, configured origins elsewhere.

The tracker runs on every customer site, so ``POST /api/v1/analytics/events``
and ``GET /js/ka.js`` answer any origin with ``Access-Control-Allow-Origin: *``
(never with credentials: the tracker sends no cookies). Every other route (the
REST goals and stats routes, ``/graphql``) carries a bearer token and answers
only the origins listed in ``GOALGATE_CORS_ORIGINS``, echoing the origin and
``Vary: Origin`` so that caches keep one answer per origin.

This is an ASGI wrapper around the whole router rather than Litestar's
``CORSConfig`` because the policy differs by path, and because preflights must
be answered before routing: the goals controller's guard would otherwise answer
an ``OPTIONS`` preflight with 401. A preflight from a refused origin gets 403
with the documented error body, so that the mistake is visible in the browser's
network panel.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from litestar.datastructures import MutableScopeHeaders
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from goalgate.api.errors import error_body
from goalgate.api.ingest import EVENTS_PATH
from goalgate.errors import Forbidden

__all__ = ["OPEN_PATHS", "CORSMiddleware"]

OPEN_PATHS = frozenset({EVENTS_PATH, "/js/ka.js"})

# Preflights may be cached by the browser this long (Chromium caps it at 2 hours).
MAX_AGE_S = 7200
ALLOW_HEADERS = "Authorization, Content-Type, If-Match"
# ETag must be readable for a later If-Match; Retry-After to back off after a 429.
# What a browser's script may read: ETag (If-Match), the rate-limit state, the
# next page of a breakdown (Link) and the id to quote in a bug report.
EXPOSE_HEADERS = (
    "ETag, Retry-After, RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset, Link, X-Request-ID"
)
_OPEN_METHODS = "GET, POST, OPTIONS"
_RESTRICTED_METHODS = "GET, POST, PATCH, DELETE, OPTIONS"


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return str(value.decode("latin-1"))
    return None


class CORSMiddleware:
    """Wraps an ASGI app; answers preflights and decorates responses with CORS headers."""

    def __init__(self, app: ASGIApp, *, allowed_origins: Iterable[str]) -> None:
        self._app = app
        self._allowed = frozenset(origin.rstrip("/") for origin in allowed_origins)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self._app(scope, receive, send)
            return
        is_open = scope["path"].rstrip("/") in OPEN_PATHS
        origin = _header(scope, b"origin")
        if (
            scope["method"] == "OPTIONS"
            and origin is not None
            and _header(scope, b"access-control-request-method") is not None
        ):
            await self._preflight(send, origin=origin, is_open=is_open)
            return
        cors = self._response_headers(origin, is_open=is_open)

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableScopeHeaders.from_message(message)
                for name, value in cors.items():
                    if name == "Vary":
                        _add_vary(headers)
                    else:
                        headers[name] = value
            await send(message)

        await self._app(scope, receive, send_with_cors)

    def _response_headers(self, origin: str | None, *, is_open: bool) -> dict[str, str]:
        if is_open:
            return {
                "Access-Control-Allow-Origin": "*",
                "Access-Control-Expose-Headers": (EXPOSE_HEADERS),
            }
        # The answer depends on Origin even when it is refused or absent.
        headers = {"Vary": "Origin"}
        if origin is not None and origin in self._allowed:
            headers["Access-Control-Allow-Origin"] = origin
            headers["Access-Control-Expose-Headers"] = EXPOSE_HEADERS
        return headers

    async def _preflight(self, send: Send, *, origin: str, is_open: bool) -> None:
        if not is_open and origin not in self._allowed:
            message = f"origin {origin} may not call this API from a browser"
            body = json.dumps(error_body(Forbidden.code, message), separators=(",", ":")).encode()
            await _send(
                send,
                Forbidden.status,
                [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"vary", b"Origin"),
                ],
                body,
            )
            return
        headers = [
            (b"access-control-allow-origin", b"*" if is_open else origin.encode("latin-1")),
            (
                b"access-control-allow-methods",
                (_OPEN_METHODS if is_open else _RESTRICTED_METHODS).encode(),
            ),
            (b"access-control-allow-headers", ALLOW_HEADERS.encode()),
            (b"access-control-max-age", str(MAX_AGE_S).encode()),
        ]
        if not is_open:
            headers.append((b"vary", b"Origin"))
        await _send(send, 204, headers, b"")


async def _send(send: Send, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})


def _add_vary(headers: MutableScopeHeaders) -> None:
    current = headers.get("vary")
    if current is None:
        headers["Vary"] = "Origin"
    elif "origin" not in {part.strip().lower() for part in current.split(",")}:
        headers["Vary"] = f"{current}, Origin"

"""What a caller presents: its ``Authorization`` value and its client IP, read one way.

Every face reads them here (the rate-limit middleware, the REST guard,
ingestion, the GraphQL context and its WebSockets, the request log's trust in
``X-Request-ID``); none reads the scope's ``client`` or a header itself.
"""

from __future__ import annotations

from collections.abc import Mapping

from litestar.types import Scope

__all__ = ["UNKNOWN_CLIENT", "authorization", "client_ip", "connection_authorization"]

# The client IP when the server reports none (a unix socket with no trusted proxy).
UNKNOWN_CLIENT = "unknown"


def client_ip(scope: Scope) -> str:
    """The client's IP address, or ``UNKNOWN_CLIENT``.

    It is the address in the ASGI scope: inside uvicorn's ``ProxyHeadersMiddleware``
    (all of the app but ``api.observability``) the one ``X-Forwarded-For`` names
    when the connecting peer is in ``FORWARDED_ALLOW_IPS``, else the peer's own.
    """
    client = scope.get("client")
    return client[0] if client else UNKNOWN_CLIENT


def authorization(scope: Scope) -> str | None:
    """The ``Authorization`` header of a request (or WebSocket handshake), or None."""
    for name, value in scope["headers"]:
        if name == b"authorization":
            return str(value.decode("latin-1"))
    return None


def connection_authorization(params: Mapping[str, object] | None) -> str | None:
    """The ``Authorization`` entry of a WebSocket's ``connection_init`` payload, or None.

    Either spelling is taken (clients send the header's name as they write it);
    a value that is not a string is no token.
    """
    if not params:
        return None
    value = params.get("Authorization") or params.get("authorization")
    return value if isinstance(value, str) else None

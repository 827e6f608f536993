"""Security headers on every response, errors and 404s included (a ``before_send`` hook).

JSON and JavaScript responses get a Content-Security-Policy that allows nothing:
they are never meant to be rendered as a page. No page loads anything from
another host. GraphiQL (``GET /graphql``, api/graphql/graphiql.py) gets a
policy that allows exactly what it loads: scripts and styles from this origin
only (self-hosted, each with its integrity hash; no inline script or style),
GraphiQL's fonts as data: URIs; queries go to the same origin. There is no
OpenAPI reference page (only ``/schema/openapi.json`` and ``.yaml``): any other
HTML, a 404 page included, gets the API's policy.

The dashboard (``/dashboard/``, api/dashboard/) is built into the package and
loads nothing from elsewhere: scripts, styles and its icon from this origin
only, no inline code, and requests to this origin only (``/graphql`` over HTTP
and its WebSocket: CSP Level 3 ``'self'`` covers ``ws:``/``wss:`` to the same
host and port). Every response under ``/dashboard/`` gets it, whatever its
type: a browser stores the policy of a 304 with the page it revalidates.

No Strict-Transport-Security: goalgate does not terminate TLS, the proxy in
front of it does and should set it (README, "Security headers").
"""

from __future__ import annotations

from litestar.datastructures import MutableScopeHeaders
from litestar.types import Message, Scope

__all__ = ["API_CSP", "DASHBOARD_CSP", "GRAPHIQL_CSP", "add_security_headers"]

API_CSP = "default-src 'none'; frame-ancestors 'none'"
GRAPHIQL_CSP = (
    "default-src 'none'; "
    "script-src 'self'; "
    "style-src 'self'; "
    "font-src data:; "
    "img-src 'self' data:; "
    "connect-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
DASHBOARD_CSP = (
    "default-src 'none'; "
    "script-src 'self'; "
    "style-src 'self'; "
    "img-src 'self'; "
    "connect-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)

_ALWAYS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


def _policy(path: str, content_type: str) -> str:
    # By path alone: a 304 revalidating the dashboard's page has no content type,
    # and browsers store the policy it carries with the cached page.
    if path == "/dashboard" or path.startswith("/dashboard/"):
        return DASHBOARD_CSP
    if not content_type.startswith("text/html"):
        return API_CSP
    if path.rstrip("/") == "/graphql":
        return GRAPHIQL_CSP
    return API_CSP


async def add_security_headers(message: Message, scope: Scope) -> None:
    """Set the security headers on a response's start message (Litestar before_send)."""
    if message["type"] != "http.response.start":
        return
    headers = MutableScopeHeaders.from_message(message)
    for name, value in _ALWAYS.items():
        headers[name] = value
    headers["Content-Security-Policy"] = _policy(scope["path"], headers.get("content-type", ""))

"""Security headers on every response, errors and 404s included (a ``before_send`` hook).

JSON and JavaScript responses get a Content-Security-Policy that allows nothing:
they are never meant to be rendered as a page. The two HTML pages the app
serves each get a policy that allows exactly what they load:

- GraphiQL (``GET /graphql``, api/graphql/graphiql.py): scripts and styles
  from this origin only (self-hosted, each with its integrity hash; no inline
  script or style), GraphiQL's fonts as data: URIs; queries go to the same
  origin.
- The OpenAPI reference (``/schema``, Litestar's Redoc page): the Redoc bundle
  from cdn.redoc.ly, Google Fonts, the Litestar logo from cdn.jsdelivr.net, and
  a web worker Redoc starts from a blob.

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

__all__ = ["API_CSP", "DASHBOARD_CSP", "GRAPHIQL_CSP", "OPENAPI_DOCS_CSP", "add_security_headers"]

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
OPENAPI_DOCS_CSP = (
    "default-src 'none'; "
    "script-src https://cdn.redoc.ly 'unsafe-inline'; "
    "style-src https://fonts.googleapis.com 'unsafe-inline'; "
    "font-src https://fonts.gstatic.com; "
    "img-src 'self' https://cdn.jsdelivr.net https://cdn.redoc.ly data:; "
    "worker-src blob:; "
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
    if path.startswith("/schema"):
        return OPENAPI_DOCS_CSP
    return API_CSP


async def add_security_headers(message: Message, scope: Scope) -> None:
    """Set the security headers on a response's start message (Litestar before_send)."""
    if message["type"] != "http.response.start":
        return
    headers = MutableScopeHeaders.from_message(message)
    for name, value in _ALWAYS.items():
        headers[name] = value
    headers["Content-Security-Policy"] = _policy(scope["path"], headers.get("content-type", ""))

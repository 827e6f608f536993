"""The outermost ASGI wrapper (request ids, request metrics, the request log line) and /metrics.

``Observability`` wraps everything else, so that it sees every request: 404s,
CORS preflights answered before routing, 429s from the rate limiter. For each
HTTP request it

- picks the request id: the ``X-Request-ID`` sent by a trusted proxy, when it
  is a sane token (1-128 of ``A-Z a-z 0-9 . _ -``), else a new random one; and
  returns it in the ``X-Request-ID`` response header (on WebSocket handshakes too);
- makes the request current for the log (``goalgate.logs``), so every line
  written while it is served carries its id;
- counts it in the metrics, by method, route template and status, with its
  duration (when metrics are on);
- writes one ``goalgate.access`` line at INFO: for every request when
  ``GOALGATE_ACCESS_LOG`` is on, otherwise for client mistakes (4xx) only,
  but not 429s, which a flooding client would turn into a flood of lines.

Trust is decided on the address that connected, before the proxy headers are
applied: that is why goalgate applies ``X-Forwarded-For`` itself (uvicorn's
``ProxyHeadersMiddleware``, inside this wrapper) rather than letting uvicorn
do it in front of the app, where the proxy's own address is lost.
"""

from __future__ import annotations

import hmac
import logging
import os
import re
from ipaddress import ip_address, ip_network
from time import perf_counter
from typing import Any

from litestar import Request, Response, get
from litestar.handlers import HTTPRouteHandler
from litestar.types import ASGIApp, Receive, Scope, Send

from goalgate import logs
from goalgate import metrics as metrics_module
from goalgate.api.auth.credentials import UNKNOWN_CLIENT, authorization, client_ip
from goalgate.api.budgets import CLIENT_GONE, CLIENT_GONE_STATUS
from goalgate.api.errors import CODE_BY_STATUS
from goalgate.api.ingest import EVENTS_PATH
from goalgate.domain.tokens import bearer_secret
from goalgate.errors import Unauthenticated
from goalgate.metrics import Metrics
from goalgate.runtime import Runtime
from goalgate.settings import Settings

__all__ = ["REQUEST_ID_HEADER", "Observability", "TrustedPeers", "metrics_route"]

REQUEST_ID_HEADER = "X-Request-ID"
_HEADER_KEY = b"x-request-id"
_SANE_ID = re.compile(rb"[A-Za-z0-9._-]{1,128}")

access_log = logging.getLogger("goalgate.access")


class TrustedPeers:
    """The addresses of ``FORWARDED_ALLOW_IPS``: IPs, networks, ``*`` or literal names.

    A peer whose address the server did not report is never among them.
    """

    def __init__(self, spec: str) -> None:
        items = [item.strip() for item in spec.split(",") if item.strip()]
        self._everyone = "*" in items
        self._literals: set[str] = set()
        self._networks = []
        for item in items:
            try:
                self._networks.append(ip_network(item, strict=False))
            except ValueError:
                self._literals.add(item)  # e.g. a unix socket's name

    def __contains__(self, host: object) -> bool:
        if not isinstance(host, str) or host == UNKNOWN_CLIENT:
            return False
        if self._everyone or host in self._literals:
            return True
        try:
            address = ip_address(host)
        except ValueError:
            return False
        return any(address in network for network in self._networks)


def _new_request_id() -> str:
    # What secrets.token_hex does, without its cost (half of it) on every request.
    return os.urandom(16).hex()


class Observability:
    """Wraps the whole app: see the module's docstring."""

    def __init__(self, app: ASGIApp, *, settings: Settings) -> None:
        self._app = app
        self._trusted = TrustedPeers(settings.forwarded_allow_ips)
        self._access_log = settings.access_log
        # Set by the app's lifespan once the runtime is open (None: metrics off).
        self.metrics: Metrics | None = None

    def _request_id(self, scope: Any) -> str:
        for name, value in scope["headers"]:
            if name == _HEADER_KEY:
                # Outside ProxyHeadersMiddleware: the peer that connected.
                if client_ip(scope) in self._trusted and _SANE_ID.fullmatch(value):
                    return str(value.decode("ascii"))
                break
        return _new_request_id()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        connection: str = scope["type"]
        if connection == "http":
            await self._http(scope, receive, send)
        elif connection == "websocket":
            await self._websocket(scope, receive, send)
        else:
            await self._app(scope, receive, send)

    async def _http(self, scope: Any, receive: Receive, send: Send) -> None:
        started = perf_counter()
        request_id = self._request_id(scope)
        request = logs.RequestLog(request_id, scope)
        header = (_HEADER_KEY, request_id.encode("ascii"))
        status = 500  # unless a response starts: what uvicorn answers to an escaped error

        async def send_with_id(message: Any) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                _append_header(message, header)
            await send(message)

        token = logs.enter_request(request)
        try:
            await self._app(scope, receive, send_with_id)
        finally:
            seconds = perf_counter() - started
            if scope.get(CLIENT_GONE):
                status = CLIENT_GONE_STATUS
            route = scope.get("path_template")
            if self.metrics is not None:
                self._count(scope["method"], route, status, seconds, request)
            if self._access_log or (status >= 400 and status != 429):
                self._log(scope, status, seconds, request)
            logs.leave_request(token)

    def _count(
        self, method: str, route: str | None, status: int, seconds: float, request: logs.RequestLog
    ) -> None:
        assert self.metrics is not None
        self.metrics.observe_request(method, route, status, seconds)
        if status >= 400 and route == EVENTS_PATH:
            reason = request.error or CODE_BY_STATUS.get(status, str(status))
            self.metrics.ingest_rejected.labels(reason).inc()

    def _log(self, scope: Any, status: int, seconds: float, request: logs.RequestLog) -> None:
        if request.error is None and status >= 400:
            request.error = CODE_BY_STATUS.get(status)
        # The path as sent (still percent-encoded: no newline can forge a line),
        # without its query string, which is no business of the log.
        raw: bytes = scope.get("raw_path") or scope["path"].encode()
        path = raw.split(b"?", 1)[0][:512].decode("ascii", "backslashreplace")
        method = scope["method"]
        duration_ms = round(seconds * 1000, 3)
        access_log.info(
            "%s %s %d %.1f ms",
            method,
            path,
            status,
            duration_ms,
            extra={"method": method, "path": path, "status": status, "duration_ms": duration_ms},
        )

    async def _websocket(self, scope: Any, receive: Receive, send: Send) -> None:
        request_id = self._request_id(scope)
        header = (_HEADER_KEY, request_id.encode("ascii"))

        async def send_with_id(message: Any) -> None:
            if message["type"] == "websocket.accept":
                _append_header(message, header)
            await send(message)

        token = logs.enter_request(logs.RequestLog(request_id, scope))
        try:
            await self._app(scope, receive, send_with_id)
        finally:
            logs.leave_request(token)


def _append_header(message: dict[str, Any], header: tuple[bytes, bytes]) -> None:
    headers = message.get("headers")
    if isinstance(headers, list):
        headers.append(header)
    else:
        message["headers"] = [*(headers or ()), header]


def metrics_route(settings: Settings) -> HTTPRouteHandler | None:
    """``GET /metrics`` as ``GOALGATE_METRICS`` says: absent, open, or behind a bearer token."""
    if settings.metrics == "off":
        return None
    expected = (
        settings.metrics_token.get_secret_value().encode()
        if settings.metrics == "token" and settings.metrics_token
        else None
    )

    # A thread: reading every worker's files is I/O, and rendering is not free.
    @get("/metrics", include_in_schema=False, sync_to_thread=True)
    def serve_metrics(request: Request[Any, Any, Any], runtime: Runtime) -> Response[bytes]:
        """The process's (or, with several workers, every worker's) metrics."""
        if expected is not None:
            secret = bearer_secret(authorization(request.scope))
            if secret is None or not hmac.compare_digest(secret.encode(), expected):
                raise Unauthenticated("the metrics need their bearer token")
        assert runtime.metrics is not None
        return Response(
            metrics_module.exposition(runtime.metrics),
            media_type=metrics_module.CONTENT_TYPE,
        )

    return serve_metrics

"""The public ingestion face: ``POST /api/v1/analytics/events`` and ``GET /js/ka.js``.

Neither route needs a token: the tracker runs on public pages. A token is
read only when sent (a bad one is a 401), because it is what allows an event
to carry a ``timestamp`` (backfilling history). CORS for this route is the
CORS middleware's business; here the route only makes sure a "simple" request
(``text/plain``, no custom header) works, so that browsers need no preflight.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import UTC, datetime
from importlib import resources
from typing import Any

from litestar import Request, Response, get, post
from litestar.exceptions.http_exceptions import RequestEntityTooLarge
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.datastructures import ResponseSpec
from litestar.status_codes import HTTP_202_ACCEPTED, HTTP_304_NOT_MODIFIED

from goalgate.api.auth import credentials
from goalgate.api.auth.authentication import optional_principal
from goalgate.api.ingest import EVENTS_PATH, openapi_body
from goalgate.api.ingest.payloads import check_media_type, decode_json, parse_batch
from goalgate.api.ratelimit import client_key, ingest_events_key
from goalgate.api.ratelimit import token_quota as events_rate
from goalgate.api.rest import openapi_docs
from goalgate.api.rest.error_docs import error_responses
from goalgate.api.rest.openapi_docs import documented
from goalgate.errors import PayloadTooLarge
from goalgate.runtime import Runtime
from goalgate.services import events as event_service

__all__ = ["TRACKER_CACHE_CONTROL", "ingest_route_handlers", "post_events", "tracker_script"]

log = logging.getLogger("goalgate.ratelimit")

# An hour: a new tracker reaches every visitor within the hour, and a repeat
# page view in that hour costs no request at all. After it, the browser
# revalidates with If-None-Match and usually gets a body-less 304.
TRACKER_CACHE_CONTROL = "public, max-age=3600"


@post(
    EVENTS_PATH,
    status_code=HTTP_202_ACCEPTED,
    summary="Record events",
    tags=["ingestion"],
    operation_id="recordEvents",
    # The body is read raw (it may come as text/plain), so its schema is given here.
    operation_class=documented(
        example={"data": {"accepted": 2}}, request_body=openapi_body.EVENTS_BODY
    ),
    security=openapi_docs.BEARER_OPTIONAL,
    responses={
        HTTP_202_ACCEPTED: ResponseSpec(
            data_container=openapi_body.AcceptedEnvelope,
            description="Every event of the body is stored",
            generate_examples=False,
        ),
        **error_responses(413, 415),
    },
)
async def post_events(
    request: Request[Any, Any, Any], runtime: Runtime
) -> Response[dict[str, Any]]:
    """Record one event or a batch (JSON array) of events; 202 once committed.

    Body: `{"site": "sk_...", "type": "pageview", "url": "https://..."}`, or
    `type` `event`/`goal` with `name` and optional `revenue`
    (`{"amount": "49.90", "currency": "USD"}`); optional `visitor_id`, and
    `timestamp` (ISO 8601 with offset) with a token holding analytics:write.
    Sent as application/json or text/plain. A batch is stored whole or not at all.
    """
    settings = runtime.settings
    ip = credentials.client_ip(request.scope)
    principal = await optional_principal(runtime, credentials.authorization(request.scope), ip)
    check_media_type(request.headers.get("content-type"))
    try:
        body = await request.body()
    except RequestEntityTooLarge:
        raise PayloadTooLarge(
            f"the body must be at most {settings.max_body_bytes} bytes; send smaller batches"
        ) from None
    now = datetime.now(UTC)
    drafts = parse_batch(decode_json(body), max_events=settings.max_batch_events, now=now)
    await _count_events(runtime, ip, len(drafts))
    client = event_service.Client(
        ip=ip, user_agent=request.headers.get("user-agent", ""), limit_key=client_key(ip)
    )
    accepted = await event_service.record_events(
        runtime.intake, drafts, principal=principal, client=client, now=now
    )
    return Response({"data": {"accepted": accepted}}, status_code=HTTP_202_ACCEPTED)


async def _count_events(runtime: Runtime, ip: str, events: int) -> None:
    """Count a batch's events against the client IP's event rate; 429 over it.

    Requests are counted by the middleware before the body is read; events
    only once it is parsed. A refused batch is not counted.
    """
    quota = events_rate(runtime.settings.rate_limit_ingest_events)
    if quota is None:
        return
    limiter = runtime.limiter
    try:
        decision = await limiter.hit(ingest_events_key(ip), quota, events)
    except Exception:
        log.exception("rate-limit store failed; not counting %d events", events)
        return
    limiter.raise_if_refused(decision, quota, "events")


def tracker_script() -> bytes:
    """The ka.js shipped inside the package (read from the wheel, not the source tree)."""
    return resources.files("goalgate.api.ingest").joinpath("ka.js").read_bytes()


def _etag_matches(header: str, etag: str) -> bool:
    # If-None-Match compares weakly (RFC 9110 13.1.2): W/"x" matches "x".
    candidates = (candidate.strip() for candidate in header.split(","))
    return any(c == "*" or c.removeprefix("W/") == etag for c in candidates)


def _tracker_route(script: bytes) -> HTTPRouteHandler:
    etag = '"' + hashlib.sha256(script).hexdigest()[:32] + '"'
    headers = {
        "ETag": etag,
        "Cache-Control": TRACKER_CACHE_CONTROL,
        "X-Content-Type-Options": "nosniff",
    }

    @get("/js/ka.js", include_in_schema=False)
    async def serve_tracker(request: Request[Any, Any, Any]) -> Response[bytes]:
        """The browser tracker, with a strong ETag of its content."""
        if _etag_matches(request.headers.get("if-none-match", ""), etag):
            return Response(b"", status_code=HTTP_304_NOT_MODIFIED, headers=headers)
        return Response(script, media_type="application/javascript", headers=headers)

    return serve_tracker


def ingest_route_handlers() -> list[HTTPRouteHandler]:
    """The ingestion routes; reads ka.js once, now, not on each request."""
    return [post_events, _tracker_route(tracker_script())]

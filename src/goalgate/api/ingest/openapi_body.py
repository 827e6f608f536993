"""The OpenAPI description of the ingestion body, which its route reads raw.

``POST /api/v1/analytics/events`` decodes the bytes itself (a browser's
sendBeacon sends ``text/plain``), so Litestar has no type to describe the body
from. This says what domain/events.py and payloads.py accept: one event or a
batch, as application/json or as text/plain holding the same JSON. The
``Event`` and ``Revenue`` schemas are published under components/schemas by
the app's ``openapi_docs.DocumentConfig``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any

from litestar.openapi.spec import (
    Example,
    OpenAPIFormat,
    OpenAPIMediaType,
    OpenAPIType,
    Reference,
    RequestBody,
    Schema,
)

from goalgate.api.rest.openapi_docs import field_doc

__all__ = ["EVENTS_BODY", "SCHEMAS", "AcceptedEnvelope"]

_REVENUE = Schema(
    type=OpenAPIType.OBJECT,
    title="Revenue",
    description="Money a goal or event brought; only for type event or goal.",
    required=["amount", "currency"],
    additional_properties=False,
    properties={
        "amount": Schema(
            one_of=[
                Schema(type=OpenAPIType.STRING, pattern=r"^[0-9]{1,15}(\.[0-9]{1,6})?$"),
                Schema(type=OpenAPIType.NUMBER, minimum=0),
            ],
            description="A decimal amount, not negative; a string keeps its exact digits.",
            examples=["49.00"],
        ),
        "currency": Schema(
            type=OpenAPIType.STRING,
            description="An active ISO 4217 code, any case.",
            examples=["USD"],
        ),
    },
)
_EVENT = Schema(
    type=OpenAPIType.OBJECT,
    title="Event",
    description="A pageview (with url or path), or an event or ka.goal() call (with name).",
    required=["site", "type"],
    additional_properties=False,
    properties={
        "site": Schema(
            type=OpenAPIType.STRING,
            min_length=1,
            max_length=64,
            description="The site's key.",
            examples=["sk_demo"],
        ),
        "type": Schema(
            type=OpenAPIType.STRING,
            enum=["pageview", "event", "goal"],
            description="pageview matches pageview goals, event event goals, goal custom goals.",
            examples=["pageview"],
        ),
        "url": Schema(
            type=OpenAPIType.STRING,
            max_length=8192,
            description="pageview only: the page's absolute http(s) URL; its path is kept.",
            examples=["https://demo.example.com/pricing?ref=newsletter"],
        ),
        "path": Schema(
            type=OpenAPIType.STRING,
            max_length=8192,
            description="pageview only, instead of url: the page path, starting with /.",
            examples=["/pricing"],
        ),
        "name": Schema(
            type=OpenAPIType.STRING,
            min_length=1,
            max_length=1024,
            description="event and goal only: the event's or goal's name.",
            examples=["signup"],
        ),
        "revenue": Reference(ref="#/components/schemas/Revenue"),
        "visitor_id": Schema(
            type=OpenAPIType.STRING,
            min_length=1,
            max_length=128,
            description="Your own id of the visitor; without it the visitor is counted "
            "from the IP address and user agent, with a salt that changes daily.",
            examples=["demo-user-42"],
        ),
        "timestamp": Schema(
            type=OpenAPIType.STRING,
            format=OpenAPIFormat.DATE_TIME,
            description="When it happened, with an offset; only with a token holding "
            "analytics:write (backfilling). Default: when it arrives.",
            examples=["2026-03-30T23:30:00Z"],
        ),
    },
)
# Named, so that a generated client has one Event model for both forms of the body.
SCHEMAS = {"Event": _EVENT, "Revenue": _REVENUE}
_EVENT_REF = Reference(ref="#/components/schemas/Event")
MAX_BATCH_EVENTS = 1000
_BATCH = Schema(
    one_of=[
        _EVENT_REF,
        Schema(
            type=OpenAPIType.ARRAY,
            items=_EVENT_REF,
            min_items=1,
            max_items=MAX_BATCH_EVENTS,
            description="A batch, stored whole or not at all "
            "(at most GOALGATE_MAX_BATCH_EVENTS, 1000 by default).",
        ),
    ],
)
_EVENT_EXAMPLES: Mapping[str, Any] = {
    "pageview": {"site": "sk_demo", "type": "pageview", "url": "https://demo.example.com/pricing"},
    "purchase": {
        "site": "sk_demo",
        "type": "goal",
        "name": "purchase",
        "revenue": {"amount": "49.00", "currency": "USD"},
        "visitor_id": "demo-user-42",
    },
    "batch": [
        {"site": "sk_demo", "type": "pageview", "path": "/blog/12"},
        {"site": "sk_demo", "type": "event", "name": "signup"},
    ],
}


@dataclass(frozen=True, slots=True)
class Accepted:
    accepted: Annotated[int, field_doc(2, description="How many events were stored.")]


@dataclass(frozen=True, slots=True)
class AcceptedEnvelope:
    """The 202 body of ingestion, ``{"data": {"accepted": N}}`` (the route builds it)."""

    data: Accepted


EVENTS_BODY = RequestBody(
    required=True,
    description="One event, or an array of 1 to 1000. Sent as application/json, or as "
    "text/plain holding the same JSON (what sendBeacon sends, with no CORS preflight).",
    content={
        "application/json": OpenAPIMediaType(
            schema=_BATCH,
            examples={name: Example(value=value) for name, value in _EVENT_EXAMPLES.items()},
        ),
        "text/plain": OpenAPIMediaType(
            schema=Schema(
                type=OpenAPIType.STRING,
                content_media_type="application/json",
                content_schema=_BATCH,
            ),
            example='{"site": "sk_demo", "type": "pageview", "url": "https://demo.example.com/"}',
        ),
    },
)

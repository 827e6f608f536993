"""What the OpenAPI document says that Litestar cannot infer from the handlers.

The bearer scheme, the headers the routes send or take (``ETag``,
``If-Match``, ``Retry-After``, ``RateLimit-*``, ``WWW-Authenticate``), and the
ingestion body, which its route reads raw (it accepts ``text/plain`` too).
Routes name what applies to them with ``operation_class=documented(...)``;
the components the operations refer to come from :func:`components`, which
the app's ``OpenAPIConfig`` carries. Nothing here changes what a route does.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any

from litestar.openapi.spec import (
    Components,
    Example,
    OpenAPIFormat,
    OpenAPIHeader,
    OpenAPIMediaType,
    OpenAPIResponse,
    OpenAPIType,
    Operation,
    Parameter,
    Reference,
    RequestBody,
    Schema,
    SecurityRequirement,
    SecurityScheme,
)
from litestar.params import KwargDefinition

__all__ = [
    "BEARER_OPTIONAL",
    "BEARER_REQUIRED",
    "EVENTS_BODY",
    "IF_MATCH",
    "AcceptedEnvelope",
    "components",
    "documented",
    "field_doc",
]

BEARER = "bearer"
# Every route under /api/v1/analytics/sites needs a token; ingestion takes one
# only to backfill (``timestamp``), so a client may send it or not.
BEARER_REQUIRED: list[SecurityRequirement] = [{BEARER: []}]
BEARER_OPTIONAL: list[SecurityRequirement] = [{}, {BEARER: []}]

_STRING = Schema(type=OpenAPIType.STRING)
_SECONDS = Schema(type=OpenAPIType.INTEGER, minimum=0)

_HEADERS: dict[str, OpenAPIHeader] = {
    "ETag": OpenAPIHeader(
        schema=_STRING,
        description="The goal's version; send it back as If-Match on PATCH or DELETE.",
        example='"v3"',
    ),
    "Retry-After": OpenAPIHeader(
        schema=_SECONDS,
        description="Seconds to wait before sending the same request again.",
        example=12,
    ),
    "WWW-Authenticate": OpenAPIHeader(
        schema=_STRING,
        description="The scheme to authenticate with.",
        example='Bearer realm="goalgate"',
    ),
    "RateLimit-Limit": OpenAPIHeader(
        schema=_SECONDS,
        description="Requests allowed per window for this token (or client IP); "
        "absent when the route's limit is off.",
        example=600,
    ),
    "RateLimit-Remaining": OpenAPIHeader(
        schema=_SECONDS,
        description="Requests left in the current window.",
        example=597,
    ),
    "RateLimit-Reset": OpenAPIHeader(
        schema=_SECONDS,
        description="Seconds until the current window ends.",
        example=42,
    ),
}
_RATE_LIMIT_HEADERS = ("RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset")
# The headers every error of a status carries, whatever the route.
_ERROR_HEADERS = {"401": ("WWW-Authenticate",), "429": ("Retry-After",), "503": ("Retry-After",)}


def components() -> Components:
    """The security scheme and headers the documented operations refer to."""
    return Components(
        security_schemes={
            BEARER: SecurityScheme(
                type="http",
                scheme="bearer",
                bearer_format="gg_ followed by 43 characters",
                description="An API token (`goalgate token create`), sent as "
                "`Authorization: Bearer gg_...`.",
            )
        },
        headers=dict(_HEADERS),
    )


IF_MATCH = Parameter(
    name="If-Match",
    param_in="header",
    required=False,
    description="The ETag of the goal as last read. When the goal has changed "
    "since, the request is refused with 412 instead of overwriting the change.",
    schema=_STRING,
    example='"v3"',
)


def field_doc(
    example: object, *, description: str | None = None, enum: list[str] | None = None
) -> KwargDefinition:
    """``Annotated`` metadata documenting a field of a response shape (no validation)."""
    return KwargDefinition(examples=[Example(value=example)], description=description, enum=enum)


def _header(name: str) -> Reference:
    return Reference(ref=f"#/components/headers/{name}")


def documented(
    *,
    example: object,
    etag: bool = False,
    parameters: tuple[Parameter, ...] = (),
    request_body: RequestBody | None = None,
) -> type[Operation]:
    """An ``operation_class`` that completes what Litestar generated for a route.

    ``example`` is the body of its success response; ``etag`` says that
    response carries the goal's ``ETag``; ``parameters`` and ``request_body``
    describe what the handler reads from the request itself. Every route is
    rate limited, so every response but a 429 may carry ``RateLimit-*``.
    """

    @dataclass
    class DocumentedOperation(Operation):
        def __post_init__(self) -> None:
            if parameters:
                self.parameters = [*(self.parameters or []), *parameters]
            if request_body is not None:
                self.request_body = request_body
            for status, response in (self.responses or {}).items():
                if isinstance(response, OpenAPIResponse):
                    _complete_response(status, response, example=example, etag=etag)

    return DocumentedOperation


def _complete_response(
    status: str, response: OpenAPIResponse, *, example: object, etag: bool
) -> None:
    names: list[str] = list(_ERROR_HEADERS.get(status, ()))
    if status.startswith("2"):
        names += ["ETag"] if etag else []
        content = (response.content or {}).get("application/json")
        if content is not None:
            content.examples = {"demo": Example(summary="On the demo site", value=example)}
    if status != "429":
        names += _RATE_LIMIT_HEADERS
    headers: dict[str, OpenAPIHeader | Reference] = dict(response.headers or {})
    headers.update({name: _header(name) for name in names})
    response.headers = headers


# The ingestion body. Its route decodes the bytes itself (a browser's
# sendBeacon sends text/plain), so Litestar has no type to describe it from;
# domain/events.py holds the rules this mirrors.
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
        "revenue": _REVENUE,
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
MAX_BATCH_EVENTS = 1000
_BATCH = Schema(
    one_of=[
        _EVENT,
        Schema(
            type=OpenAPIType.ARRAY,
            items=_EVENT,
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

"""What the OpenAPI document says that Litestar cannot infer from the handlers.

The bearer scheme, the headers the routes send or take (``ETag``,
``If-Match``, ``Retry-After``, ``RateLimit-*``, ``WWW-Authenticate``), the
example of each success response, and schemas written by hand (the ingestion
body, which its route reads raw). Routes name what applies to them with
``operation_class=documented(...)``; the components the operations refer to
come from :func:`components` and ``DocumentConfig(schemas=...)``. Nothing here
changes what a route does.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

from litestar.openapi import OpenAPIConfig
from litestar.openapi.spec import (
    Components,
    Example,
    OpenAPI,
    OpenAPIHeader,
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

from goalgate.domain.periods import Period

__all__ = [
    "BEARER_OPTIONAL",
    "BEARER_REQUIRED",
    "IF_MATCH",
    "DocumentConfig",
    "components",
    "documented",
    "field_doc",
]

BEARER = "bearer"
# Every route under /api/v1/analytics/sites needs a token; ingestion takes one
# only to backfill (``timestamp``), so a client may send it or not.
BEARER_REQUIRED: list[SecurityRequirement] = [{BEARER: []}]
BEARER_OPTIONAL: list[SecurityRequirement] = [{}, {BEARER: []}]

# Names for enum values that are not identifiers ("7d"), published as
# x-enum-varnames: generated clients (openapi-python-client, openapi-generator)
# name them DAYS_7 instead of VALUE_0. Keyed by the enum's values, in order.
_PERIOD_NAMES = {
    Period.LAST_7_DAYS: "DAYS_7",
    Period.LAST_30_DAYS: "DAYS_30",
    Period.LAST_12_MONTHS: "MONTHS_12",
    Period.CUSTOM: "CUSTOM",
}
ENUM_VARNAMES: dict[tuple[str, ...], list[str]] = {
    tuple(period.value for period in Period): [_PERIOD_NAMES[period] for period in Period],
}

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
                description="An API token (`goalgate tokens create`), sent as "
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


@dataclass
class DocumentConfig(OpenAPIConfig):
    """``OpenAPIConfig`` that also publishes ``schemas`` under components/schemas.

    Litestar fills components/schemas only with the types it generated
    (``components.schemas`` given in the config is replaced), so schemas
    written by hand are added to the document as it is rendered.
    """

    schemas: dict[str, Schema] = field(default_factory=dict)

    def to_openapi_schema(self) -> OpenAPI:
        document = super().to_openapi_schema()
        values = {f.name: getattr(document, f.name) for f in fields(OpenAPI)}
        return _Document(**values, extra_schemas=self.schemas)


@dataclass
class _Document(OpenAPI):
    extra_schemas: dict[str, Schema] = field(default_factory=dict)

    @property
    def _exclude_fields(self) -> set[str]:
        return {"extra_schemas"}

    def to_schema(self) -> dict[str, Any]:
        document = super().to_schema()
        schemas: dict[str, Any] = document.setdefault("components", {}).setdefault("schemas", {})
        if clash := schemas.keys() & self.extra_schemas.keys():
            raise ValueError(f"schemas written by hand clash with generated ones: {sorted(clash)}")
        schemas.update({name: schema.to_schema() for name, schema in self.extra_schemas.items()})
        document["components"]["schemas"] = dict(sorted(schemas.items()))
        _name_enum_values(document)
        return document


def _name_enum_values(node: object) -> None:
    """Add ``x-enum-varnames`` to every schema whose enum has names in ENUM_VARNAMES
    (Litestar's Schema has no field for an extension)."""
    if isinstance(node, dict):
        values = node.get("enum")
        if isinstance(values, list) and (names := ENUM_VARNAMES.get(tuple(values))):
            node["x-enum-varnames"] = names
        for value in node.values():
            _name_enum_values(value)
    elif isinstance(node, list):
        for value in node:
            _name_enum_values(value)

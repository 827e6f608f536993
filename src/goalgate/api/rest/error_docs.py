"""The documented error responses of the REST routes, for the OpenAPI document.

Every error has one body, ``{"error": {"code", "message", "fields"}}``
(api/errors.py builds it); these specs make the document say so for each
status a route can answer, in place of Litestar's own 400 shape, so that
clients and the schemathesis suite can hold the API to it. Each status has a
real example body, worded as the server words it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated

from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import Example

from goalgate.api.rest.openapi_docs import field_doc

__all__ = ["ErrorEnvelope", "error_responses"]


@dataclass(frozen=True, slots=True)
class ErrorOut:
    code: Annotated[str, field_doc("validation_error")]
    message: Annotated[str, field_doc("the goal is not valid")]
    # Each faulty field (or the scope a 403 lacks) and what is wrong with it.
    fields: Annotated[
        dict[str, str],
        field_doc({"match_value": "not a valid RE2 regular expression: missing ): (a"}),
    ] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ErrorEnvelope:
    error: ErrorOut


_DESCRIPTIONS = {
    400: "bad_request: the body is not JSON, not an object, or a parameter is malformed",
    401: "unauthenticated: no valid bearer token (with WWW-Authenticate: Bearer)",
    403: "forbidden: the token lacks the scope named in fields.scope",
    404: "not_found: no such site or goal visible to this token",
    409: "conflict: a goal of this name exists already on the site",
    412: "precondition_failed: If-Match names an older version of the goal",
    413: "payload_too_large: the body is larger than the server accepts",
    415: "unsupported_media_type: send application/json or text/plain",
    422: "validation_error: fields maps each faulty field to its fault",
    429: "rate_limited: too many requests for this token or client IP; see Retry-After",
    503: "unavailable: the database could not be reached or could not commit; "
    "sending the same request again after Retry-After is safe",
}
# One real body for each status, as the server words it.
_EXAMPLES: dict[int, tuple[str, str, dict[str, str]]] = {
    400: ("bad_request", "the request body must be a JSON object", {}),
    401: ("unauthenticated", "the token is invalid or revoked", {}),
    403: ("forbidden", "this token lacks the analytics:write scope", {"scope": "analytics:write"}),
    404: ("not_found", "goal not found", {}),
    409: ("conflict", "a goal named 'Purchase' exists already on this site", {"name": "taken"}),
    412: ("precondition_failed", "the goal was changed since you read it; read it again", {}),
    413: ("payload_too_large", "the body must be at most 1048576 bytes; send smaller batches", {}),
    415: ("unsupported_media_type", "send the events as application/json or text/plain", {}),
    422: (
        "validation_error",
        "the goal is not valid",
        {"match_value": "not a valid RE2 regular expression: missing ): (a"},
    ),
    429: (
        "rate_limited",
        "too many requests: at most 600 per minute; retry in 12 s",
        {},
    ),
    503: ("unavailable", "the database is not reachable", {}),
}
# What every route may answer, whatever it does: all of them authenticate (or
# may), are rate limited and read or write the database.
_ALWAYS = (400, 401, 403, 404, 422, 429, 503)


def error_responses(*extra: int) -> dict[int, ResponseSpec]:
    """Specs for the common statuses plus ``extra``, each with the error body."""
    return {
        status: ResponseSpec(
            data_container=ErrorEnvelope,
            description=_DESCRIPTIONS[status],
            generate_examples=False,
            examples=[_example(status)],
        )
        for status in sorted({*_ALWAYS, *extra})
    }


def _example(status: int) -> Example:
    code, message, fields = _EXAMPLES[status]
    body = {"error": {"code": code, "message": message, "fields": fields}}
    return Example(summary=code, value=body)

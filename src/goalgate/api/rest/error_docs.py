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

from goalgate.api.errors import CODE_BY_STATUS, error_body
from goalgate.api.rest.openapi_docs import field_doc
from goalgate.errors import ValidationFailed

__all__ = ["ErrorEnvelope", "error_responses"]


@dataclass(frozen=True, slots=True)
class ErrorOut:
    code: Annotated[str, field_doc(ValidationFailed.code)]
    message: Annotated[str, field_doc("the goal is not valid")]
    # Each faulty field (or the scope a 403 lacks) and what is wrong with it.
    fields: Annotated[
        dict[str, str],
        field_doc({"match_value": "not a valid RE2 regular expression: missing ): (a"}),
    ] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ErrorEnvelope:
    error: ErrorOut


# What each status means here; its code comes from api.errors.CODE_BY_STATUS.
_DESCRIPTIONS = {
    400: "the body is not JSON, not an object, or a parameter is malformed",
    401: "no valid bearer token (with WWW-Authenticate: Bearer)",
    403: "the token lacks the scope named in fields.scope",
    404: "no such site or goal visible to this token",
    409: "a goal of this name exists already on the site",
    412: "If-Match names an older version of the goal",
    413: "the body is larger than the server accepts",
    415: "send application/json or text/plain",
    422: "fields maps each faulty field to its fault",
    429: "too many requests for this token or client IP; see Retry-After",
    503: "the database could not be reached or could not commit; "
    "sending the same request again after Retry-After is safe",
}
# One real (message, fields) for each status, as the server words it.
_EXAMPLES: dict[int, tuple[str, dict[str, str]]] = {
    400: ("the request body must be a JSON object", {}),
    401: ("the token is invalid or revoked", {}),
    403: ("this token lacks the analytics:write scope", {"scope": "analytics:write"}),
    404: ("goal not found", {}),
    409: ("a goal named 'Purchase' exists already on this site", {"name": "taken"}),
    412: ("the goal was changed since you read it; read it again", {}),
    413: ("the body must be at most 1048576 bytes; send smaller batches", {}),
    415: ("send the events as application/json or text/plain", {}),
    422: (
        "the goal is not valid",
        {"match_value": "not a valid RE2 regular expression: missing ): (a"},
    ),
    429: ("too many requests: at most 600 per minute; retry in 12 s", {}),
    503: ("the database is not reachable", {}),
}
# What every route may answer, whatever it does: all of them authenticate (or
# may), are rate limited and read or write the database.
_ALWAYS = (400, 401, 403, 404, 422, 429, 503)


def read_responses(envelope: type, description: str, *extra: int) -> dict[int, ResponseSpec]:
    """A read's 200 (its envelope, example from ``documented``) and its error statuses."""
    return {
        200: ResponseSpec(
            data_container=envelope, description=description, generate_examples=False
        ),
        **error_responses(*extra),
    }


def error_responses(*extra: int) -> dict[int, ResponseSpec]:
    """Specs for the common statuses plus ``extra``, each with the error body."""
    return {
        status: ResponseSpec(
            data_container=ErrorEnvelope,
            description=f"{CODE_BY_STATUS[status]}: {_DESCRIPTIONS[status]}",
            generate_examples=False,
            examples=[_example(status)],
        )
        for status in sorted({*_ALWAYS, *extra})
    }


def _example(status: int) -> Example:
    code = CODE_BY_STATUS[status]
    message, fields = _EXAMPLES[status]
    body = error_body(code, message, fields)
    return Example(summary=code, value=body)

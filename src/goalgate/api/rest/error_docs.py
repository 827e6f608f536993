"""The documented error responses of the REST routes, for the OpenAPI document.

Every error has one body, ``{"error": {"code", "message", "fields"}}``
(api/errors.py builds it); these specs make the document say so for each
status a route can answer, in place of Litestar's own 400 shape, so that
clients and the schemathesis suite can hold the API to it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from litestar.openapi.datastructures import ResponseSpec

__all__ = ["ErrorEnvelope", "error_responses"]


@dataclass(frozen=True, slots=True)
class ErrorOut:
    code: str
    message: str
    # Each faulty field (or the scope a 403 lacks) and what is wrong with it.
    fields: dict[str, str] = field(default_factory=dict)


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
    503: "unavailable: the events could not be stored now; sending them again is safe",
}
# What every authenticated route may answer, whatever it does.
_ALWAYS = (400, 401, 403, 404, 422, 429)


def error_responses(*extra: int) -> dict[int, ResponseSpec]:
    """Specs for the common statuses plus ``extra``, each with the error body."""
    return {
        status: ResponseSpec(
            data_container=ErrorEnvelope,
            description=_DESCRIPTIONS[status],
            generate_examples=False,
        )
        for status in sorted({*_ALWAYS, *extra})
    }

"""Turns every error into the documented REST error body; never leaks a trace or SQL.

Each answer names its error code to the request's log context, so the
request's log line says which error a client got (a 4xx is the client's
mistake: logged at INFO by the access line, no traceback). A 5xx is ours:
logged here at ERROR with its traceback.

A lost database (connection dropped, server restarting, SQLite file full) is
a 503 with Retry-After, never a 500: see ``storage.readers.is_connection_lost``.
"""

from __future__ import annotations

import logging
from typing import Any

from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as SQLAlchemyTimeoutError

from goalgate import logs
from goalgate.errors import (
    BadRequest,
    Conflict,
    Forbidden,
    GoalgateError,
    NotFound,
    PayloadTooLarge,
    PreconditionFailed,
    RateLimited,
    Unauthenticated,
    Unavailable,
    ValidationFailed,
)
from goalgate.storage.readers import DRIVER_ERRORS, is_connection_lost

__all__ = ["CODE_BY_STATUS", "error_body", "exception_handlers"]

log = logging.getLogger("goalgate")

# The error code of each status: the error bodies, the access log line and
# ingestion's rejection reasons all name it from here. The codes of the tree
# are its classes' (a subclass such as BudgetExceeded shares its parent's
# status, not its code); the others are statuses only Litestar or a bug answers.
CODE_BY_STATUS = {
    **{
        error.status: error.code
        for error in (
            BadRequest,
            Unauthenticated,
            Forbidden,
            NotFound,
            Conflict,
            PreconditionFailed,
            PayloadTooLarge,
            ValidationFailed,
            RateLimited,
            Unavailable,
        )
    },
    405: "method_not_allowed",
    415: "unsupported_media_type",
    500: "internal_error",
}


def error_body(code: str, message: str, fields: dict[str, str] | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


def _respond(
    status: int,
    code: str,
    message: str,
    fields: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
) -> Response[dict[str, Any]]:
    logs.note_error(code)
    return Response(
        error_body(code, message, fields),
        status_code=status,
        media_type=MediaType.JSON,
        headers=headers or {},
    )


def _goalgate_error(
    request: Request[Any, Any, Any], exc: GoalgateError
) -> Response[dict[str, Any]]:
    if exc.status >= 500:
        # Ours (the database out of reach, a failed commit): with what caused it.
        log.error(
            "%s on %s %s: %s", exc.code, request.method, _path(request), exc.message, exc_info=exc
        )
    headers: dict[str, str] = {}
    if isinstance(exc, Unauthenticated):
        headers["WWW-Authenticate"] = 'Bearer realm="goalgate"'
    if isinstance(exc, RateLimited):
        headers["Retry-After"] = str(exc.retry_after)
    if isinstance(exc, Unavailable):
        headers["Retry-After"] = "1"
    return _respond(exc.status, exc.code, exc.message, exc.fields, headers)


def _validation_error(
    _: Request[Any, Any, Any], exc: ValidationException
) -> Response[dict[str, Any]]:
    """Litestar's own parsing: undecodable JSON is a 400; a body of the wrong shape a 422."""
    extra = exc.extra if isinstance(exc.extra, list) else []
    fields: dict[str, str] = {}
    for item in extra:
        # Litestar names the whole body "data" when it is missing altogether.
        if isinstance(item, dict) and item.get("key") and item.get("key") != "data":
            fields[str(item["key"])] = _plain(str(item.get("message", "is not valid")))
    if not fields:
        message = "the request body must be a JSON object"
        return _respond(BadRequest.status, BadRequest.code, message)
    return _respond(
        ValidationFailed.status, ValidationFailed.code, "the request is not valid", fields
    )


def _plain(message: str) -> str:
    return {
        "Extra inputs are not permitted": "unknown field",
        "Field required": "is required",
        "Input should be a valid string": "must be a string",
    }.get(message, message)


def _http_error(_: Request[Any, Any, Any], exc: HTTPException) -> Response[dict[str, Any]]:
    status = exc.status_code
    if status >= 500:
        return _internal_error(_, exc)
    code = CODE_BY_STATUS.get(status, BadRequest.code)
    message = exc.detail if status != 404 else "not found"
    headers = dict(exc.headers or {})
    return _respond(status, code, str(message), None, headers)


def _path(request: Request[Any, Any, Any]) -> str:
    # As sent, percent-encoded: a decoded newline could forge a log line.
    raw: bytes = request.scope.get("raw_path") or request.scope["path"].encode()
    return raw.split(b"?", 1)[0][:512].decode("ascii", "backslashreplace")


def _internal_error(request: Request[Any, Any, Any], exc: Exception) -> Response[dict[str, Any]]:
    if _database_unavailable(exc):
        return _database_error(request, exc)
    log.exception("unexpected error on %s %s", request.method, _path(request), exc_info=exc)
    status = HTTP_500_INTERNAL_SERVER_ERROR
    return _respond(status, CODE_BY_STATUS[status], "an unexpected error occurred")


def _database_unavailable(exc: BaseException) -> bool:
    """The database went away (restart, dropped connection, disk full, timeout):
    not a bug, and the client may send the same request again."""
    return is_connection_lost(exc) or isinstance(exc, SQLAlchemyTimeoutError | OSError)


def _database_error(request: Request[Any, Any, Any], exc: Exception) -> Response[dict[str, Any]]:
    """A database that cannot be reached, is locked or timed out: 503, safe to retry.

    Other database errors (a bad query, a broken constraint) are bugs: 500.
    """
    if not _database_unavailable(exc):
        return _internal_error(request, exc)
    log.warning("database unavailable on %s %s: %s", request.method, _path(request), exc)
    return _goalgate_error(request, Unavailable("the database is not reachable"))


exception_handlers: dict[type[Exception] | int, Any] = {
    GoalgateError: _goalgate_error,
    ValidationException: _validation_error,
    HTTPException: _http_error,
    DBAPIError: _database_error,
    SQLAlchemyTimeoutError: _database_error,
    **dict.fromkeys(DRIVER_ERRORS, _database_error),
    OSError: _database_error,
    Exception: _internal_error,
}

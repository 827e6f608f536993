"""How the GraphQL face reports errors that are not a mutation's userErrors.

Resolvers call the services and let their errors rise: ``CodedErrors``, the one
mapping, turns each ``goalgate.errors`` error into a top-level error with the
``extensions.code`` its class holds (``graphql_code``):

- ``UNAUTHENTICATED``; ``FORBIDDEN``, with the scope it lacks (``extensions.scope``);
- ``NOT_FOUND`` (a subscription's site or goal; queries answer null instead);
- ``BAD_USER_INPUT`` for an argument that broke a rule, with ``extensions.arguments``
  naming each faulty argument and its fault, both also said in the message;
- ``RATE_LIMITED`` over the token's rate, with ``extensions.retryAfter`` (seconds);
- ``UNAVAILABLE`` when the work could not be done now (readers too busy to
  answer within the request's read budget, ``storage.read_slots``), and for a
  lost database: a resolver whose connection dropped (a server restart, a full
  SQLite disk) raises a driver error that is no bug, so it is not masked as
  "Unexpected error." (the REST face answers 503), and the client may send the
  operation again.

An error class without a GraphQL code, and everything else that escapes a
resolver, is a bug and is masked (see ``schema.is_unexpected``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.types.execution import ExecutionResult

from goalgate.errors import Forbidden, GoalgateError, RateLimited, Unavailable, ValidationFailed
from goalgate.storage.readers import is_connection_lost

__all__ = ["CodedError", "CodedErrors", "client_caused"]

log = logging.getLogger("goalgate")

# A lost database, worded for the client (the driver's own words stay in the log).
DATABASE_LOST = "the database is unavailable; retry shortly"


class CodedError(GraphQLError):
    """An error the face itself raises (not a service's), shown as is with its code."""

    def __init__(self, message: str, code: str, **extensions: object) -> None:
        super().__init__(message, extensions={"code": code, **extensions})


def client_caused(exc: BaseException) -> bool:
    """True for an error of the tree that the client caused and GraphQL reports with its
    code: neither logged nor masked. ``Unavailable`` is the server's: logged with its
    cause, and coded by ``CodedErrors`` before MaskErrors sees it."""
    return isinstance(exc, GoalgateError) and exc.graphql_code is not None and exc.status < 500


class CodedErrors(SchemaExtension):
    """Gives each error raised by the tree (or a lost database) its coded GraphQL error.

    Listed after MaskErrors: its exit runs first, so that MaskErrors sees the
    coded errors; a streamed result (a subscription's) is rewritten before it is sent.
    """

    def on_operation(self) -> Iterator[None]:
        yield
        _rewrite(self.execution_context.result)

    def on_stream_result(self, result: ExecutionResult) -> Iterator[None]:  # type: ignore[override]
        _rewrite(result)
        yield


def _rewrite(result: object) -> None:
    errors = getattr(result, "errors", None)
    if errors:
        result.errors = [_coded(error) for error in errors]  # type: ignore[attr-defined]


def _coded(error: GraphQLError) -> GraphQLError:
    original = error.original_error
    if original is None or isinstance(original, GraphQLError):
        return error
    if not isinstance(original, GoalgateError) and is_connection_lost(original):
        log.warning("database unavailable in GraphQL field %s: %s", error.path, original)
        original = Unavailable(DATABASE_LOST)
    if not isinstance(original, GoalgateError) or original.graphql_code is None:
        return error
    message = original.message
    extensions: dict[str, object] = {"code": original.graphql_code}
    if isinstance(original, ValidationFailed):
        arguments = dict(original.fields)
        detail = "; ".join(f"{name}: {fault}" for name, fault in arguments.items())
        message = f"{message} ({detail})" if detail else message
        extensions["arguments"] = arguments
    elif isinstance(original, Forbidden):
        extensions.update(original.fields)
    elif isinstance(original, RateLimited):
        extensions["retryAfter"] = original.retry_after
    # Unavailable is the server's, not the client's: its cause stays in the log
    # (schema.is_unexpected), so the error the client sees keeps no original.
    cause = None if isinstance(original, Unavailable) else original
    return GraphQLError(
        message, nodes=error.nodes, path=error.path, original_error=cause, extensions=extensions
    )

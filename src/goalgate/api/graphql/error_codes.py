"""Every GraphQL error carries ``extensions.code``, whichever step of a request raised it.

graphql-core and Strawberry raise plain errors for a document that does not
parse or validate, an operation that cannot be chosen, variables that do not
coerce, and a masked bug: a client could only tell them apart by their
wording. ``ErrorCodes`` gives each error that has no code the code of the step
that raised it (the names Apollo and most clients know):

- ``GRAPHQL_PARSE_FAILED``: the document does not parse (or is over the token limit);
- ``GRAPHQL_VALIDATION_FAILED``: it does not validate (depth and alias limits included);
- ``OPERATION_RESOLUTION_FAILURE``: no operation of that name, or several without one;
- ``BAD_USER_INPUT``: the variables do not coerce to their types (as for arguments);
- ``INTERNAL_ERROR``: a field failed for no reason of the client's (a masked bug).

Errors our resolvers and extensions raise already have a code and are kept.
``code_what_escaped`` is the transport's last net, for the errors raised
outside those steps.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from enum import Enum, auto

from graphql import GraphQLError, GraphQLSyntaxError, get_operation_ast
from strawberry.extensions import SchemaExtension

from goalgate.errors import ValidationFailed

__all__ = [
    "GRAPHQL_PARSE_FAILED",
    "GRAPHQL_VALIDATION_FAILED",
    "INTERNAL_ERROR",
    "OPERATION_RESOLUTION_FAILURE",
    "ErrorCodes",
    "code_what_escaped",
    "with_code",
]

log = logging.getLogger("goalgate")

GRAPHQL_PARSE_FAILED = "GRAPHQL_PARSE_FAILED"
GRAPHQL_VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"
OPERATION_RESOLUTION_FAILURE = "OPERATION_RESOLUTION_FAILURE"
INTERNAL_ERROR = "INTERNAL_ERROR"
# As the HTTP 500 of the transport words it (api/errors.py).
UNEXPECTED = "an unexpected error occurred"


class _Step(Enum):
    PARSE = auto()
    VALIDATE = auto()
    EXECUTE = auto()


def with_code(error: GraphQLError, code: str) -> GraphQLError:
    """``error`` with ``extensions.code`` (a copy: validation errors are cached and shared)."""
    if error.extensions and "code" in error.extensions:
        return error
    return GraphQLError(
        error.message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        original_error=error.original_error,
        extensions={**(error.extensions or {}), "code": code},
    )


class ErrorCodes(SchemaExtension):
    """Codes each uncoded error by the step that raised it (listed first: its exit runs
    last, after MaskErrors and DatabaseUnavailable have rewritten theirs)."""

    def __init__(self) -> None:
        self._step = _Step.PARSE

    def on_validate(self) -> Iterator[None]:
        self._step = _Step.VALIDATE
        yield

    def on_execute(self) -> Iterator[None]:
        self._step = _Step.EXECUTE
        yield

    def on_operation(self) -> Iterator[None]:
        self._step = _Step.PARSE
        yield
        result = self.execution_context.result
        errors = getattr(result, "errors", None)
        if errors:
            result.errors = [with_code(error, self._code(error)) for error in errors]  # type: ignore[union-attr]

    def _code(self, error: GraphQLError) -> str:
        if isinstance(error, GraphQLSyntaxError) or self._step is _Step.PARSE:
            return GRAPHQL_PARSE_FAILED
        if self._step is _Step.VALIDATE:
            return GRAPHQL_VALIDATION_FAILED
        if error.path is not None:
            return INTERNAL_ERROR
        # Before any field ran, graphql-core refuses the operation it cannot find,
        # then the variables that do not coerce.
        execution = self.execution_context
        document = execution.graphql_document
        if document is None or get_operation_ast(document, execution.operation_name) is None:
            return OPERATION_RESOLUTION_FAILURE
        return ValidationFailed.graphql_code


def code_what_escaped(errors: list[GraphQLError]) -> list[GraphQLError]:
    """The transport's last net, for errors raised outside the operation's steps.

    Strawberry runs ``ParserCache``'s parse inside an extension hook, so a
    syntax error escapes the operation (and ``ErrorCodes``): it is coded here.
    Any other uncoded error escaped an extension's hook: a bug, logged with its
    traceback and masked.
    """
    coded = []
    for error in errors:
        if error.extensions and "code" in error.extensions:
            coded.append(error)
        elif isinstance(error, GraphQLSyntaxError):
            coded.append(with_code(error, GRAPHQL_PARSE_FAILED))
        else:
            log.error("unexpected error in GraphQL: %s", error, exc_info=error.original_error)
            coded.append(GraphQLError(UNEXPECTED, extensions={"code": INTERNAL_ERROR}))
    return coded

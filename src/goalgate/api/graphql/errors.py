"""How the GraphQL face reports errors that are not a mutation's userErrors.

Top-level errors carry ``extensions.code``: ``UNAUTHENTICATED`` and ``FORBIDDEN``
for auth, ``RATE_LIMITED`` (with ``extensions.retryAfter``, seconds) over the
token's rate, ``BAD_USER_INPUT`` for an argument that broke a rule (with
``extensions.arguments`` naming each faulty argument). Everything else that
escapes a resolver is a bug and is masked (see ``schema.is_unexpected``).
"""

from __future__ import annotations

from collections.abc import Mapping

from graphql import GraphQLError

from goalgate.errors import Forbidden, GoalgateError, RateLimited, Unauthenticated, ValidationFailed

__all__ = [
    "BAD_USER_INPUT",
    "FORBIDDEN",
    "RATE_LIMITED",
    "UNAUTHENTICATED",
    "CodedError",
    "bad_user_input",
    "coded_error",
    "rate_limited",
]

UNAUTHENTICATED = "UNAUTHENTICATED"
FORBIDDEN = "FORBIDDEN"
BAD_USER_INPUT = "BAD_USER_INPUT"
RATE_LIMITED = "RATE_LIMITED"


class CodedError(GraphQLError):
    """An error the client caused, shown as is with its ``extensions.code``."""

    def __init__(self, message: str, code: str, **extensions: object) -> None:
        super().__init__(message, extensions={"code": code, **extensions})


def bad_user_input(exc: ValidationFailed, names: Mapping[str, str] | None = None) -> CodedError:
    """A rule broken by arguments; ``names`` maps service field names to argument names."""
    names = names or {}
    arguments = {names.get(field, field): fault for field, fault in exc.fields.items()}
    detail = "; ".join(f"{name}: {fault}" for name, fault in arguments.items())
    message = f"{exc.message} ({detail})" if detail else exc.message
    return CodedError(message, BAD_USER_INPUT, arguments=arguments)


def rate_limited(exc: RateLimited) -> CodedError:
    """Over the token's rate (an operation on a WebSocket, or failed tokens of an IP)."""
    return CodedError(exc.message, RATE_LIMITED, retryAfter=exc.retry_after)


def coded_error(exc: GoalgateError) -> CodedError:
    """The top-level error for an auth failure or an argument the services refused."""
    if isinstance(exc, Unauthenticated):
        return CodedError(exc.message, UNAUTHENTICATED)
    if isinstance(exc, Forbidden):
        return CodedError(exc.message, FORBIDDEN, **exc.fields)
    if isinstance(exc, ValidationFailed):
        return bad_user_input(exc)
    # Not found is null in this face and conflicts are userErrors: anything
    # else reaching here is a face bug, so say so rather than guess a code.
    raise TypeError(f"no top-level GraphQL code for {type(exc).__name__}") from exc

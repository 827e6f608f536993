"""The one exception tree of goalgate; every face maps it once.

This module is a leaf: it imports nothing from goalgate, so every layer,
``domain`` included, may raise these errors.

    GoalgateError              code                 REST status  GraphQL extensions.code
     ├── BadRequest            bad_request          400          -
     ├── Unauthenticated       unauthenticated      401          UNAUTHENTICATED
     ├── Forbidden             forbidden            403          FORBIDDEN
     ├── NotFound              not_found            404          NOT_FOUND
     ├── Conflict              conflict             409          -
     ├── PreconditionFailed    precondition_failed  412          -
     ├── PayloadTooLarge       payload_too_large    413          -
     ├── ValidationFailed      validation_error     422          BAD_USER_INPUT
     │    └── BudgetExceeded   budget_exceeded      422          BAD_USER_INPUT
     ├── RateLimited           rate_limited         429          RATE_LIMITED
     └── Unavailable           unavailable          503          UNAVAILABLE

Each class holds its codes and status; the faces read them from here
(``api/errors.py`` for REST and the OpenAPI document, ``api/graphql/errors.py``
for GraphQL) and never restate them. An error without a GraphQL code is never
a top-level GraphQL error: GraphQL answers a missing site or goal with null,
a taken name with a mutation's userErrors, and the others cannot arise there,
so one that escapes a resolver is a bug and is masked.

``Unavailable`` is the one error a client does not cause: the server could not
do the work now (its database failed or it is shutting down) and the client
may send the same request again.
"""

from __future__ import annotations

__all__ = [
    "BadRequest",
    "BudgetExceeded",
    "Conflict",
    "Forbidden",
    "GoalgateError",
    "NotFound",
    "PayloadTooLarge",
    "PreconditionFailed",
    "RateLimited",
    "Unauthenticated",
    "Unavailable",
    "ValidationFailed",
]


class GoalgateError(Exception):
    """Base of every error a client is told about; never used for bugs."""

    code = "error"
    status = 500
    graphql_code: str | None = None

    def __init__(self, message: str, *, fields: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields = dict(fields or {})


class BadRequest(GoalgateError):
    code = "bad_request"
    status = 400


class Unauthenticated(GoalgateError):
    code = "unauthenticated"
    status = 401
    graphql_code = "UNAUTHENTICATED"


class Forbidden(GoalgateError):
    code = "forbidden"
    status = 403
    graphql_code = "FORBIDDEN"


class NotFound(GoalgateError):
    code = "not_found"
    status = 404
    graphql_code = "NOT_FOUND"


class Conflict(GoalgateError):
    code = "conflict"
    status = 409


class PreconditionFailed(GoalgateError):
    code = "precondition_failed"
    status = 412


class PayloadTooLarge(GoalgateError):
    code = "payload_too_large"
    status = 413


class ValidationFailed(GoalgateError):
    """Input that parsed but broke a rule; ``fields`` maps each field to its fault."""

    code = "validation_error"
    status = 422
    graphql_code = "BAD_USER_INPUT"


class BudgetExceeded(ValidationFailed):
    """The request's work (matching, reading events) is over its time budget
    (``goalgate.budgets``): a smaller request may be answered."""

    code = "budget_exceeded"


class RateLimited(GoalgateError):
    code = "rate_limited"
    status = 429
    graphql_code = "RATE_LIMITED"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Unavailable(GoalgateError):
    """The work could not be done now (storage failed, shutting down); retrying is safe."""

    code = "unavailable"
    status = 503
    graphql_code = "UNAVAILABLE"

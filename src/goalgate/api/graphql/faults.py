"""A lost database, or readers too busy to answer in time, is UNAVAILABLE in GraphQL,
not an unexpected error.

A resolver whose database connection dropped (a server restart, a full SQLite
disk) raises a driver error. It is no bug, so it must not be masked as
"Unexpected error." and logged with a traceback: the field gets a top-level
error with ``extensions.code`` ``UNAVAILABLE`` (the REST face answers 503), and
the client may send the operation again. So does a field that waited past its
request's read budget for a reader (``storage.read_slots``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from goalgate.errors import Unavailable
from goalgate.storage.readers import is_connection_lost

__all__ = ["UNAVAILABLE", "DatabaseUnavailable"]

log = logging.getLogger("goalgate")

UNAVAILABLE = "UNAVAILABLE"


class DatabaseUnavailable(SchemaExtension):
    """Rewrites errors caused by a lost database (listed after MaskErrors: runs before it)."""

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if result is None or not result.errors:
            return
        result.errors = [_rewritten(error) for error in result.errors]


def _rewritten(error: GraphQLError) -> GraphQLError:
    original = error.original_error
    if isinstance(original, Unavailable):  # busy readers: said as the service said it
        return GraphQLError(
            original.message, nodes=error.nodes, path=error.path, extensions={"code": UNAVAILABLE}
        )
    if original is None or not is_connection_lost(original):
        return error
    log.warning("database unavailable in GraphQL field %s: %s", error.path, original)
    return GraphQLError(
        "the database is unavailable; retry shortly",
        nodes=error.nodes,
        path=error.path,
        extensions={"code": UNAVAILABLE},
    )

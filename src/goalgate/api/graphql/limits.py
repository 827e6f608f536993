"""Per-operation limits checked before execution: the cost budget, and the token's
rate on WebSocket operations.

Every query and mutation is priced first (``cost.operation_cost``); over
``GOALGATE_GRAPHQL_MAX_COST`` it is refused with BAD_USER_INPUT, naming the
limit and its cost, before any resolver (so any SQL) runs.

HTTP requests to /graphql are counted by the rate-limit middleware before they
are read. A WebSocket is one HTTP upgrade that may carry any number of
operations, so each operation on it (query, mutation or subscription) counts
here instead, in the same bucket as the token's HTTP requests
(``api.ratelimit.token_key``); over the rate it is refused with RATE_LIMITED
before it runs.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

from graphql import OperationType, get_operation_ast
from strawberry.extensions import SchemaExtension

from goalgate import budgets
from goalgate.api.graphql.context import GraphQLContext
from goalgate.api.graphql.cost import operation_cost
from goalgate.api.graphql.errors import CodedError
from goalgate.api.ratelimit import token_key
from goalgate.errors import RateLimited, Unauthenticated, ValidationFailed
from goalgate.services import sites as site_service
from goalgate.services.ratelimit import Quota

__all__ = ["CostLimit", "SocketBudget", "SocketRateLimit"]

log = logging.getLogger("goalgate.ratelimit")


class SocketRateLimit(SchemaExtension):
    """Counts each operation of a WebSocket against its token's rate."""

    def __init__(self, *, quota: Quota | None) -> None:
        self._quota = quota

    async def on_execute(self) -> AsyncIterator[None]:
        context = self.execution_context.context
        quota = self._quota
        if quota is not None and isinstance(context, GraphQLContext) and context.websocket:
            caller = context.caller
            limiter = context.runtime.limiter
            key = token_key(caller.authorization, caller.client_ip)
            try:
                decision = await limiter.hit(key, quota)
            except Exception:
                log.exception("rate-limit store failed; letting the operation through")
            else:
                limiter.raise_if_refused(decision, quota)  # RATE_LIMITED (errors.CodedErrors)
        yield


class SocketBudget(SchemaExtension):
    """Each operation on a WebSocket gets its own budget (``goalgate.budgets``), as each
    HTTP request gets one in ``api.budgets``: one budget for all it asks."""

    def __init__(self, *, match_s: float, read_s: float) -> None:
        self._match_s = match_s
        self._read_s = read_s

    async def on_execute(self) -> AsyncIterator[None]:
        context = self.execution_context.context
        if isinstance(context, GraphQLContext) and context.websocket:
            with budgets.opened(match_s=self._match_s, read_s=self._read_s):
                yield
        else:
            yield


class CostLimit(SchemaExtension):
    """Refuses a query or mutation whose cost is over ``max_cost``, before it runs."""

    def __init__(self, *, max_cost: int) -> None:
        self._max_cost = max_cost

    async def on_execute(self) -> AsyncIterator[None]:
        execution = self.execution_context
        document = execution.graphql_document
        operation = (
            None if document is None else get_operation_ast(document, execution.operation_name)
        )
        if (
            document is not None
            and operation is not None
            and operation.operation is not OperationType.SUBSCRIPTION
        ):
            schema = execution.schema._schema
            variables = execution.variables
            priced = operation_cost(schema, document, operation, variables)
            if priced.counted_sites:
                sites = await _visible_sites(execution.context)
                priced = operation_cost(schema, document, operation, variables, sites=sites)
            if priced.cost > self._max_cost:
                raise CodedError(
                    f"this operation would cost {priced.cost}, over the limit of "
                    f"{self._max_cost} (GOALGATE_GRAPHQL_MAX_COST): ask for fewer goals "
                    "(first), shorter periods, coarser intervals, fewer filter clauses "
                    "or fewer aliases",
                    ValidationFailed.graphql_code,
                    cost=priced.cost,
                    maxCost=self._max_cost,
                )
        yield


async def _visible_sites(context: object) -> int:
    """How many sites ``Viewer.sites`` would list (0 when the token fails: nothing runs)."""
    if not isinstance(context, GraphQLContext):
        return 0
    try:
        principal = await context.principal()
    except (Unauthenticated, RateLimited):
        return 0
    if principal.site_keys is not None:
        return len(principal.site_keys)
    return len(await site_service.visible_sites(context.runtime.db.reader, principal))

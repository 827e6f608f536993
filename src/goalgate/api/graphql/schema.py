"""The GraphQL schema, and the protections every request runs through.

- depth, alias and token limits from the settings (an alias can multiply
  stats work, so aliases are capped as well as depth);
- a cost budget per operation (goals x buckets x aliases, see cost.py),
  checked before anything runs;
- each operation on a WebSocket counts against the token's rate limit;
- introspection can be switched off (``GOALGATE_GRAPHQL_INTROSPECTION=false``);
- parse and validation results are cached (bounded LRU, shared by requests);
- a lost database is an UNAVAILABLE error (faults.py), not a masked one;
- errors from unexpected exceptions are masked ("Unexpected error.") and
  logged, while GraphQL's own messages and our coded errors stay readable.

Extensions are passed as factories so that no state is shared between
concurrent requests.
"""

from __future__ import annotations

from collections.abc import Callable

import strawberry
from graphql import GraphQLError
from graphql.validation import ASTValidationRule, NoSchemaIntrospectionCustomRule
from strawberry.extensions import (
    AddValidationRules,
    MaskErrors,
    MaxTokensLimiter,
    ParserCache,
    SchemaExtension,
    ValidationCache,
    max_aliases,
    query_depth_limiter,
)
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext
from strawberry.utils.logging import StrawberryLogger

from goalgate.api.graphql.faults import DatabaseUnavailable
from goalgate.api.graphql.limits import CostLimit, SocketRateLimit
from goalgate.api.graphql.mutations import Mutation
from goalgate.api.graphql.queries import Query
from goalgate.api.graphql.subscriptions import Subscription
from goalgate.services.ratelimit import parse_rate
from goalgate.settings import Settings

__all__ = ["CACHE_SIZE", "GoalgateSchema", "build_schema", "is_unexpected", "protections", "sdl"]

# Distinct documents kept parsed and validated; clients send few distinct ones.
CACHE_SIZE = 512

ExtensionFactory = Callable[[], SchemaExtension] | type[SchemaExtension]


def is_unexpected(error: GraphQLError) -> bool:
    """True for an error raised by a Python exception inside a resolver: a bug.

    Syntax, validation and variable errors carry no path (or wrap a
    GraphQLError), and our coded errors are GraphQLErrors: those are kept.
    """
    original = error.original_error
    return (
        error.path is not None and original is not None and not isinstance(original, GraphQLError)
    )


class GoalgateSchema(strawberry.Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        # A client's mistakes are answers, not incidents: only log the bugs
        # (with their traceback; the client sees the masked message).
        for error in errors:
            if is_unexpected(error):
                StrawberryLogger.error(error, execution_context)


def protections(settings: Settings) -> list[ExtensionFactory]:
    """The extension factories for these settings."""
    # QueryDepthLimiter and MaxAliasesLimiter build a new rule class per
    # instance, and ValidationCache keys on the rule classes: per-request
    # instances would never hit the cache. Build their rules once, here.
    rules: list[type[ASTValidationRule]] = [
        query_depth_limiter.create_validator(settings.graphql_max_depth, None, None),
        max_aliases.create_validator(settings.graphql_max_aliases),
    ]
    if not settings.graphql_introspection:
        rules.append(NoSchemaIntrospectionCustomRule)  # what DisableIntrospection adds
    max_tokens = settings.graphql_max_tokens
    token_rate = parse_rate(settings.rate_limit_token)
    max_cost = settings.graphql_max_cost
    return [
        lambda: MaxTokensLimiter(max_token_count=max_tokens),
        lambda: SocketRateLimit(rate=token_rate),
        lambda: CostLimit(max_cost=max_cost),
        lambda: AddValidationRules(rules),
        lambda: ParserCache(maxsize=CACHE_SIZE),
        lambda: ValidationCache(maxsize=CACHE_SIZE),
        lambda: MaskErrors(should_mask_error=is_unexpected),
        # After MaskErrors, so that its rewrite runs first (exits go in reverse).
        DatabaseUnavailable,
    ]


def build_schema(settings: Settings | None = None) -> GoalgateSchema:
    """The schema; with ``settings``, guarded by their limits (without: for export)."""
    return GoalgateSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        extensions=protections(settings) if settings is not None else [],
        # Batching stays off: one HTTP request is one operation, so limits hold.
        config=StrawberryConfig(batching_config=None),
    )


def sdl() -> str:
    """The schema in SDL, as committed in schema.graphql."""
    return str(build_schema())

"""The GraphQL schema, and the protections every request runs through.

- depth, alias and token limits from the settings (an alias can multiply
  stats work, so aliases are capped as well as depth);
- a cost budget per operation (goals x buckets x aliases, see cost.py),
  checked before anything runs;
- each operation on a WebSocket counts against the token's rate limit;
- introspection can be switched off (``GOALGATE_GRAPHQL_INTROSPECTION=false``);
- parse and validation results are cached (bounded LRU, shared by requests),
  a persisted query's parsed document with its hash (persisted.py);
- with introspection off, errors suggest no names ("Did you mean 'site'?" would
  hand out the schema piece by piece), in validation and variable coercion alike;
- a document of several operations without an ``operationName`` is a request
  error, as GraphQL's GetOperation() says (Strawberry would run the first);
- errors of the tree (``goalgate.errors``) get their codes in one place (errors.py),
  a lost database included (UNAVAILABLE), so resolvers let them rise;
- errors from unexpected exceptions are masked ("Unexpected error.") and
  logged, while GraphQL's own messages and our coded errors stay readable;
- every error carries ``extensions.code`` (error_codes.py);
- with ``GOALGATE_TRACING``, OpenTelemetry spans of each operation;
- with ``GOALGATE_GRAPHQL_TRUSTED_DOCUMENTS``, only those documents (trusted.py).

Extensions are passed as factories so that no state is shared between
concurrent requests.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import lru_cache
from typing import Any

import strawberry
from graphql import DocumentNode, GraphQLError, GraphQLSchema, OperationDefinitionNode, validate
from graphql.validation import ASTValidationRule, NoSchemaIntrospectionCustomRule
from strawberry.extensions import (
    AddValidationRules,
    MaskErrors,
    MaxTokensLimiter,
    SchemaExtension,
    max_aliases,
    query_depth_limiter,
)
from strawberry.schema.config import StrawberryConfig
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.validation_rules.maybe_null import MaybeNullValidationRule
from strawberry.schema.validation_rules.one_of import OneOfInputValidationRule
from strawberry.types import ExecutionContext
from strawberry.utils.logging import StrawberryLogger

from goalgate.api.graphql import persisted
from goalgate.api.graphql.error_codes import OPERATION_RESOLUTION_FAILURE, ErrorCodes
from goalgate.api.graphql.errors import CodedError, CodedErrors, client_caused
from goalgate.api.graphql.limits import CostLimit, SocketBudget, SocketRateLimit
from goalgate.api.graphql.mutations import Mutation
from goalgate.api.graphql.queries import Query
from goalgate.api.graphql.subscriptions import Subscription
from goalgate.api.graphql.trusted import TrustedOnly
from goalgate.services.ratelimit import parse_quota
from goalgate.settings import Settings

__all__ = [
    "CACHE_SIZE",
    "GoalgateSchema",
    "Validation",
    "build_schema",
    "is_unexpected",
    "protections",
    "sdl",
    "validated",
]

# Distinct documents kept parsed and validated; clients send few distinct ones.
CACHE_SIZE = 512

ExtensionFactory = Callable[[], SchemaExtension] | type[SchemaExtension]


def is_unexpected(error: GraphQLError) -> bool:
    """True for an error raised by a Python exception inside a resolver: a bug.

    Syntax, validation and variable errors carry no path (or wrap a
    GraphQLError), the face's coded errors are GraphQLErrors, and the services'
    errors that the client caused carry their code: those are kept.
    """
    original = error.original_error
    return (
        error.path is not None
        and original is not None
        and not isinstance(original, GraphQLError)
        and not client_caused(original)
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


# GraphQL's GetOperation() error, worded as graphql-core words it.
MANY_OPERATIONS = "Must provide operation name if query contains multiple operations."


@lru_cache(maxsize=CACHE_SIZE)
def validated(
    schema: GraphQLSchema,
    document: DocumentNode,
    rules: tuple[type[ASTValidationRule], ...],
    hide_suggestions: bool,
) -> list[GraphQLError]:
    """The validation errors of ``document``; cached, as documents repeat (ParserCache
    hands out the same DocumentNode for the same text)."""
    # Strawberry's own rules for Maybe and @oneOf, which its validation adds too.
    rules = (*rules, MaybeNullValidationRule, OneOfInputValidationRule)
    return validate(schema, document, rules, hide_suggestions=hide_suggestions)


class Validation(SchemaExtension):
    """Validation in place of Strawberry's (and its ValidationCache): cached, with
    suggestions hidden on demand, and GetOperation()'s rule for unnamed operations."""

    def __init__(self, *, hide_suggestions: bool) -> None:
        self.hide_suggestions = hide_suggestions
        self.provided_operation_name: str | None = None

    def on_operation(self) -> Iterator[None]:
        # Before parsing, ExecutionContext.operation_name is the one the request
        # gave; after, Strawberry falls back to the document's first operation.
        self.provided_operation_name = self.execution_context.operation_name
        yield

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        assert context.graphql_document is not None
        errors = validated(
            context.schema._schema,
            context.graphql_document,
            context.validation_rules,
            self.hide_suggestions,
        )
        operations = [
            definition
            for definition in context.graphql_document.definitions
            if isinstance(definition, OperationDefinitionNode)
        ]
        if not errors and self.provided_operation_name is None and len(operations) > 1:
            errors = [CodedError(MANY_OPERATIONS, OPERATION_RESOLUTION_FAILURE)]
        context.pre_execution_errors = errors
        yield


class QuietExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """Execution whose variable-coercion errors suggest no names (introspection off)."""

    @classmethod
    def build(cls, *args: Any, **kwargs: Any) -> Any:
        kwargs["hide_suggestions"] = True
        return super().build(*args, **kwargs)


def protections(
    settings: Settings, trusted_texts: frozenset[str] | None = None
) -> list[ExtensionFactory]:
    """The extension factories for these settings (and trusted documents, if any)."""
    # QueryDepthLimiter and MaxAliasesLimiter build a new rule class per
    # instance, and the validation cache keys on the rule classes: per-request
    # instances would never hit the cache. Build their rules once, here.
    rules: list[type[ASTValidationRule]] = [
        query_depth_limiter.create_validator(settings.graphql_max_depth, None, None),
        max_aliases.create_validator(settings.graphql_max_aliases),
    ]
    if not settings.graphql_introspection:
        rules.append(NoSchemaIntrospectionCustomRule)  # what DisableIntrospection adds
    max_tokens = settings.graphql_max_tokens
    hide_suggestions = not settings.graphql_introspection
    tracing: list[ExtensionFactory] = []
    if settings.tracing:  # spans of the operation, as children of the request's (api/tracing.py)
        from strawberry.extensions.tracing import OpenTelemetryExtension

        tracing.append(OpenTelemetryExtension)
    token_quota = parse_quota(settings.rate_limit_token)
    max_cost = settings.graphql_max_cost
    match_s, read_s = settings.match_budget_s, settings.read_budget_s
    # One parse cache for every request (ParserCache's, and persisted documents by hash).
    parsed = persisted.parse_cache(CACHE_SIZE)
    trusted: list[ExtensionFactory] = []
    if trusted_texts is not None:
        texts = trusted_texts
        trusted.append(lambda: TrustedOnly(texts=texts))
    return [
        # First, so that it sees each error last, as the client will (see error_codes).
        ErrorCodes,
        *tracing,
        # Before parsing: a document that is not trusted is never parsed.
        *trusted,
        lambda: MaxTokensLimiter(max_token_count=max_tokens),
        lambda: SocketRateLimit(quota=token_quota),
        lambda: SocketBudget(match_s=match_s, read_s=read_s),
        lambda: CostLimit(max_cost=max_cost),
        lambda: AddValidationRules(rules),
        lambda: persisted.Documents(parsed=parsed),
        lambda: Validation(hide_suggestions=hide_suggestions),
        lambda: MaskErrors(should_mask_error=is_unexpected),
        # After MaskErrors, so that its rewrite runs first (exits go in reverse).
        CodedErrors,
    ]


def build_schema(
    settings: Settings | None = None, trusted_texts: frozenset[str] | None = None
) -> GoalgateSchema:
    """The schema; with ``settings``, guarded by their limits (without: for export), and
    with ``trusted_texts``, running only those documents (trusted.py)."""
    return GoalgateSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        extensions=protections(settings, trusted_texts) if settings is not None else [],
        execution_context_class=(
            QuietExecutionContext
            if settings is not None and not settings.graphql_introspection
            else None
        ),
        # Batching stays off: one HTTP request is one operation, so limits hold.
        config=StrawberryConfig(batching_config=None),
    )


def sdl() -> str:
    """The schema in SDL, as committed in schema.graphql."""
    return str(build_schema())

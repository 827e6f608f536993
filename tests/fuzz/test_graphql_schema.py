"""Schemathesis against the GraphQL schema, in process over ASGI.

Every root field of the schema (queries and mutations, found in the schema
itself so that a new field is fuzzed without editing this file) gets a bounded,
derandomized set of generated operations, sent with a token that may read and
write every site. Half of the operations have their site keys and goal ids
pointed at a real site and goal, so that they reach the resolvers rather than
stopping at "no such site". Every answer must be:

- free of 5xx, JSON, and consistent with the schema (no null in a non-null
  field): schemathesis's checks;
- free of masked errors: a valid operation never meets an unexpected exception
  (the only top-level errors a resolver may raise are coded ones).

Schemathesis's "positive data acceptance" check is left out: the goal rules
(RE2-compilable patterns, paths per type, trimmed names) are checked after
parsing and answered with ``BAD_USER_INPUT``, which the schema cannot express.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from typing import Any

import graphql
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import Case
from schemathesis.python import asgi
from schemathesis.specs.graphql.schemas import GraphQLSchema

from goalgate.api.graphql.schema import build_schema
from tests.helpers.data import unlimited_app_with_a_goal
from tests.helpers.http import bearer

SITE = "sk_abc123def456"
EXCLUDED = [schemathesis.checks.positive_data_acceptance]
# 30 a test in the suite; GOALGATE_FUZZ_EXAMPLES for the longer run (CONTRIBUTING).
MAX_EXAMPLES = int(os.environ.get("GOALGATE_FUZZ_EXAMPLES", "30"))
MASKED = "Unexpected error."
# The codes a resolver may raise at the top level (api/graphql/errors.py).
# NOT_FOUND: Site.funnel names goals by id, and a goal of another site is not found.
CODES = {"BAD_USER_INPUT", "FORBIDDEN", "NOT_FOUND", "UNAUTHENTICATED"}


def root_fields() -> list[str]:
    schema = build_schema()._schema
    labels = []
    for root in (schema.query_type, schema.mutation_type):
        if root is not None:
            labels += [f"{root.name}.{name}" for name in root.fields]
    return labels


@pytest.fixture(scope="module")
def fuzz_target(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[GraphQLSchema, str, str]]:
    app, token, goal_id = unlimited_app_with_a_goal(tmp_path_factory.mktemp("gqlfuzz"), SITE)
    yield schemathesis.graphql.from_asgi("/graphql", app), token, goal_id
    asgi.shutdown_lifespans()


class _AimAtRealData(graphql.language.Visitor):
    """Point site-key and goal-id arguments at the arranged site and goal."""

    def __init__(self, goal_id: str) -> None:
        super().__init__()
        self.values = {"key": SITE, "siteKey": SITE, "id": goal_id}

    def enter_argument(self, node: graphql.ArgumentNode, *_: Any) -> graphql.ArgumentNode | None:
        value = self.values.get(node.name.value)
        if value is None or not isinstance(node.value, graphql.StringValueNode):
            return None
        return graphql.ArgumentNode(name=node.name, value=graphql.StringValueNode(value=value))


def aimed(query: str, goal_id: str) -> str:
    document = graphql.parse(query)
    return graphql.print_ast(graphql.visit(document, _AimAtRealData(goal_id)))


def test_every_root_field_is_fuzzed(fuzz_target: tuple[GraphQLSchema, str, str]) -> None:
    api = fuzz_target[0]
    labels = sorted(result.ok().label for result in api.get_all_operations())  # type: ignore[union-attr]
    assert labels == sorted(root_fields())
    assert {"Query.site", "Query.goal", "Mutation.createGoal"} <= set(labels)


@pytest.mark.parametrize("label", root_fields())
def test_graphql_api_answers_every_valid_operation(
    label: str, fuzz_target: tuple[GraphQLSchema, str, str]
) -> None:
    api, token, goal_id = fuzz_target
    root, field = label.split(".")
    operation = api[root][field]
    seen: list[str] = []

    @given(case=operation.as_strategy())
    @settings(
        max_examples=MAX_EXAMPLES,
        derandomize=True,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        database=None,
    )
    def check(case: Case[Any]) -> None:
        assert isinstance(case.body, str)
        if hashlib.sha256(case.body.encode()).digest()[0] % 2 == 0:
            case.body = aimed(case.body, goal_id)
        response = case.call_and_validate(headers=bearer(token), excluded_checks=EXCLUDED)
        assert response.status_code == 200, response.text
        body = response.json()
        errors = body.get("errors") or []
        assert [e for e in errors if e["message"] == MASKED] == [], case.body
        # A resolver's error is coded; the rest are GraphQL's own (no path).
        uncoded = [
            e for e in errors if "path" in e and e.get("extensions", {}).get("code") not in CODES
        ]
        assert uncoded == [], case.body
        seen.append("data" if body.get("data") else "errors")

    check()
    # The run reached the resolvers, not only validation errors.
    assert "data" in seen

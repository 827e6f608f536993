"""schema.graphql at the repository root is the live schema, printed by `goalgate schema`."""

from __future__ import annotations

from pathlib import Path

from graphql import (
    GraphQLObjectType,
    GraphQLSchema,
    build_ast_schema,
    parse,
    print_ast,
)
from typer.testing import CliRunner

from goalgate.api.graphql.schema import build_schema, sdl
from goalgate.cli import app
from goalgate.settings import Settings

SCHEMA_FILE = Path(__file__).resolve().parents[3] / "schema.graphql"


def test_committed_schema_graphql_is_the_live_schema() -> None:
    assert SCHEMA_FILE.read_text() == str(build_schema()) + "\n", (
        "schema.graphql is stale: run `make schema` and commit it"
    )


def test_the_cli_prints_the_sdl() -> None:
    result = CliRunner().invoke(app, ["schema"])
    assert result.exit_code == 0
    assert result.stdout == sdl() + "\n"


def test_limits_and_settings_do_not_change_the_schema() -> None:
    strict = Settings(database_url="sqlite+aiosqlite:///unused.db", graphql_introspection=False)
    assert str(build_schema(strict)) == sdl()


def _signature(schema: GraphQLSchema, type_name: str, field_name: str) -> str:
    """A field as one line of SDL, whatever line breaks its descriptions cause in print."""
    owner = schema.get_type(type_name)
    assert isinstance(owner, GraphQLObjectType), type_name
    field = owner.fields[field_name]
    arguments = []
    for name, argument in field.args.items():
        text = f"{name}: {argument.type}"
        assert argument.ast_node is not None
        if argument.ast_node.default_value is not None:
            text += f" = {print_ast(argument.ast_node.default_value)}"
        arguments.append(text)
    listed = f"({', '.join(arguments)})" if arguments else ""
    return f"{field_name}{listed}: {field.type}"


def test_the_contract_names_are_served() -> None:
    schema = build_ast_schema(parse(sdl()))
    assert [
        _signature(schema, type_name, field_name)
        for type_name, field_name in [
            ("Query", "site"),
            ("Query", "goal"),
            ("Query", "viewer"),
            ("Site", "goals"),
            ("Goal", "stats"),
            ("Goal", "breakdown"),
            ("Money", "amount"),
            ("DeleteGoalPayload", "deletedGoalId"),
            ("DeleteGoalPayload", "userErrors"),
            ("UserError", "field"),
        ]
    ] == [
        "site(key: String!): Site",
        "goal(siteKey: String!, id: ID!): Goal",
        "viewer: Viewer!",
        "goals(first: Int = 50, after: String = null, type: GoalType = null): GoalConnection",
        "stats(period: StatsPeriod = LAST_30_DAYS, from: Date = null, to: Date = null, "
        "compare: StatsComparison = null, filter: [StatsFilter!] = null): GoalStats",
        "breakdown(by: Dimension!, period: StatsPeriod = LAST_30_DAYS, from: Date = null, "
        "to: Date = null, first: Int = 10, after: String = null, "
        "filter: [StatsFilter!] = null): BreakdownConnection",
        "amount: Decimal!",
        "deletedGoalId: ID",
        "userErrors: [UserError!]!",
        "field: [String!]",
    ]

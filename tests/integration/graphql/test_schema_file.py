"""schema.graphql at the repository root is the live schema, printed by `goalgate schema`."""

from __future__ import annotations

from pathlib import Path

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


def test_the_contract_names_are_served() -> None:
    text = sdl()
    for line in [
        "  site(key: String!): Site",
        "  goal(siteKey: String!, id: ID!): Goal",
        "  viewer: Viewer!",
        "  goals(first: Int = 50, after: String = null, type: GoalType = null): GoalConnection",
        # Printed one argument a line since stats takes a described filter.
        "  stats(",
        "    period: StatsPeriod = LAST_30_DAYS",
        "    compare: StatsComparison = null",
        "    filter: [StatsFilter!] = null",
        "  ): GoalStats",
        "    by: Dimension!",
        "  ): BreakdownConnection",
        "  amount: Decimal!",
        "  deletedGoalId: ID",
        "  userErrors: [UserError!]!",
        "  field: [String!]",
    ]:
        assert line in text.splitlines(), line

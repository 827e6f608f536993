"""graphql-schema-linter (pinned in tests/package.json) passes on schema.graphql.

The rules are those of .graphql-schema-linterrc.yml at the repository root,
which also lists the three it turns off and why.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.helpers.node import node_with, package_bin, run_node
from tests.helpers.server import ROOT

LINTER = "graphql-schema-linter"


async def lint(schema: Path) -> tuple[int, list[dict[str, object]]]:
    node = node_with(LINTER, "graphql-schema-linter on schema.graphql")
    done = await run_node(
        node,
        [package_bin(LINTER), "--format", "json", "--config-directory", ROOT, schema],
        cwd=ROOT,
        limit_s=120,
    )
    assert done.stderr == "", done.stderr
    errors: list[dict[str, object]] = json.loads(done.stdout)["errors"]
    return done.returncode, errors


async def test_schema_graphql_passes_every_rule_kept() -> None:
    code, errors = await lint(ROOT / "schema.graphql")
    assert [(error["rule"], error["message"]) for error in errors] == []
    assert code == 0


async def test_the_kept_rules_catch_a_field_without_a_description(tmp_path: Path) -> None:
    # The same schema with one description removed: proves the config was read
    # and its rules ran (an empty rule list would pass anything).
    text = (ROOT / "schema.graphql").read_text()
    described = '  """The site\'s domain, e.g. example.com."""\n  domain: String!\n'
    assert described in text
    schema = tmp_path / "schema.graphql"
    schema.write_text(text.replace(described, "  domain: String!\n"))
    code, errors = await lint(schema)
    assert [(error["rule"], error["message"]) for error in errors] == [
        ("fields-have-descriptions", "The field `Site.domain` is missing a description.")
    ]
    assert code == 1

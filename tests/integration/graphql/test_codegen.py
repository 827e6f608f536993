"""graphql-codegen's client preset (pinned in tests/package.json), with the config
the docs give (docs/clients/codegen.ts), writes types for every operation the
docs show, and ``tsc --strict`` compiles code that uses them."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

from graphql import OperationDefinitionNode, parse

from goalgate.api.graphql.trusted import TrustedDocuments
from tests.helpers.docs import documented_operations, included_files
from tests.helpers.node import NODE_MODULES, node_with, package_bin, run_node
from tests.helpers.server import ROOT

HERE = Path(__file__).with_name("codegen")
OPERATIONS = ROOT / "docs" / "clients" / "operations.graphql"


def operation_names(documents: list[str]) -> list[str]:
    return [
        definition.name.value
        for source in documents
        for definition in parse(source).definitions
        if isinstance(definition, OperationDefinitionNode) and definition.name
    ]


async def test_codegen_types_every_documented_operation_and_tsc_strict_compiles_them(
    tmp_path: Path,
) -> None:
    node = node_with("@graphql-codegen/cli", "graphql-codegen on the docs' operations")
    # A frontend's layout, as the docs' config expects it.
    shutil.copy(ROOT / "docs" / "clients" / "codegen.ts", tmp_path / "codegen.ts")
    shutil.copy(ROOT / "schema.graphql", tmp_path / "schema.graphql")
    shutil.copy(HERE / "tsconfig.json", tmp_path / "tsconfig.json")
    os.symlink(NODE_MODULES, tmp_path / "node_modules")
    src = tmp_path / "src"
    src.mkdir()
    documents = documented_operations()
    # docs/frontends.md shows the frontend's operations file (as an include).
    assert OPERATIONS.read_text() in documents
    for number, source in enumerate(documents):
        (src / f"docs-{number:02}.graphql").write_text(source)
    shutil.copy(HERE / "use.ts", src / "use.ts")

    generated = await run_node(
        node,
        [package_bin("@graphql-codegen/cli", "graphql-codegen"), "--config", "codegen.ts"],
        cwd=tmp_path,
    )
    assert generated.returncode == 0, generated.stdout + generated.stderr
    types = (src / "gql" / "graphql.ts").read_text()
    # The scalars as the server sends them (strings), never any or unknown.
    assert "revenue: { amount: string, currency: string } | null" in types  # Decimal
    assert "from: string, to: string" in types  # Date
    assert "occurredAt: string" in types  # DateTime
    assert ": any" not in types
    assert types.count(": unknown") == 1  # Exact<T extends { [key: string]: unknown }> alone

    # persisted-documents.json: {sha256 of the document: the document}, one per operation.
    manifest = json.loads((src / "gql" / "persisted-documents.json").read_text())
    assert all(
        key == "sha256:" + hashlib.sha256(text.encode()).hexdigest()
        for key, text in manifest.items()
    )
    # A server with this manifest as its trusted documents finds each by its id.
    trusted = TrustedDocuments.load(src / "gql" / "persisted-documents.json")
    assert all(trusted.find(key) == text for key, text in manifest.items())
    names = operation_names(documents)
    assert sorted(operation_names(list(manifest.values()))) == sorted(names)
    assert {"Dashboard", "MySites", "SiteGoals", "GoalRevenue", "DeleteGoal", "Live"} <= set(names)

    tsc = package_bin("typescript", "tsc")
    compiled = await run_node(node, [tsc, "--project", "tsconfig.json"], cwd=tmp_path)
    assert compiled.returncode == 0, compiled.stdout + compiled.stderr


def test_the_frontends_page_shows_every_file_the_client_tests_run() -> None:
    clients = ROOT / "docs" / "clients"
    assert included_files(ROOT / "docs" / "frontends.md") == [
        clients / "operations.graphql",
        clients / "codegen.ts",
        clients / "apollo.mjs",
        clients / "relay" / "relay.config.json",
        clients / "relay" / "GoalsPage.tsx",
        clients / "relay" / "GoalList.tsx",
        clients / "relay" / "GoalRow.tsx",
        clients / "relay" / "DeleteGoal.tsx",
    ]
    # Nothing under docs/clients that the page leaves out.
    assert sorted(included_files(ROOT / "docs" / "frontends.md")) == sorted(
        path for path in clients.rglob("*") if path.is_file()
    )

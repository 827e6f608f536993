"""graphql-codegen's client preset (pinned in tests/package.json), with the config
the docs give (docs/clients/codegen.ts), writes types for every operation the
docs show, and ``tsc --strict`` compiles code that uses them."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import pytest
from graphql import OperationDefinitionNode, parse

from goalgate.api.graphql.node import site_id
from goalgate.api.graphql.trusted import TrustedDocuments
from goalgate.storage.db import Database
from tests.helpers.data import make_goal, make_site, make_token
from tests.helpers.docs import documented_operations, included_files
from tests.helpers.node import NODE_MODULES, node_with, package_bin, run_node
from tests.helpers.server import ROOT, serving

HERE = Path(__file__).with_name("codegen")
CLIENTS = ROOT / "docs" / "clients"
# Each client's module under docs/clients and the script that runs its createTrustedClient.
TRUSTED_CLIENTS = {
    "apollo": (CLIENTS / "apollo.mjs", Path(__file__).with_name("apollo_trusted_check.mjs")),
    "urql": (CLIENTS / "urql.mjs", Path(__file__).with_name("urql_trusted_check.mjs")),
}
SITE = "sk_abc123def456"
OPERATIONS = ROOT / "docs" / "clients" / "operations.graphql"


def operation_names(documents: list[str]) -> list[str]:
    return [
        definition.name.value
        for source in documents
        for definition in parse(source).definitions
        if isinstance(definition, OperationDefinitionNode) and definition.name
    ]


async def codegen(tmp_path: Path, documents: list[str]) -> Path:
    """The docs' codegen config run in a frontend's layout on ``documents``; its src/."""
    node = node_with("@graphql-codegen/cli", "graphql-codegen on the docs' operations")
    shutil.copy(ROOT / "docs" / "clients" / "codegen.ts", tmp_path / "codegen.ts")
    shutil.copy(ROOT / "schema.graphql", tmp_path / "schema.graphql")
    os.symlink(NODE_MODULES, tmp_path / "node_modules")
    src = tmp_path / "src"
    src.mkdir()
    for number, source in enumerate(documents):
        (src / f"docs-{number:02}.graphql").write_text(source)
    generated = await run_node(
        node,
        [package_bin("@graphql-codegen/cli", "graphql-codegen"), "--config", "codegen.ts"],
        cwd=tmp_path,
    )
    assert generated.returncode == 0, generated.stdout + generated.stderr
    return src


async def test_codegen_types_every_documented_operation_and_tsc_strict_compiles_them(
    tmp_path: Path,
) -> None:
    documents = documented_operations()
    # docs/frontends.md shows the frontend's operations file (as an include).
    assert OPERATIONS.read_text() in documents
    src = await codegen(tmp_path, documents)
    node = node_with("typescript", "tsc --strict on codegen's types")
    shutil.copy(HERE / "tsconfig.json", tmp_path / "tsconfig.json")
    shutil.copy(HERE / "use.ts", src / "use.ts")
    types = (src / "gql" / "graphql.ts").read_text()
    # The scalars as the server sends them (strings), never any or unknown.
    assert "revenue: { __typename: 'Money', amount: string, currency: string } | null" in types
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
        clients / "urql.mjs",
    ]
    # Nothing under docs/clients that the page leaves out.
    assert sorted(included_files(ROOT / "docs" / "frontends.md")) == sorted(
        path for path in clients.rglob("*") if path.is_file()
    )


@pytest.mark.parametrize("client", sorted(TRUSTED_CLIENTS))
async def test_clients_run_codegen_documents_by_their_ids_on_a_trusted_documents_server(
    client: str, database_url: str, db: Database, tmp_path: Path
) -> None:
    """docs/clients/apollo.mjs's and urql.mjs's createTrustedClient, with the client
    preset's documents (compiled to JavaScript), against ``goalgate serve`` running
    codegen's manifest only."""
    module, script = TRUSTED_CLIENTS[client]
    src = await codegen(tmp_path, [OPERATIONS.read_text()])
    node = node_with("typescript", "tsc on codegen's documents")
    compiled = await run_node(
        node,
        [
            package_bin("typescript", "tsc"),
            *("--outDir", "out", "--module", "esnext", "--target", "es2022"),
            *("--moduleResolution", "bundler", "--skipLibCheck"),
            src / "gql" / "graphql.ts",
        ],
        cwd=tmp_path,
    )
    assert compiled.returncode == 0, compiled.stdout + compiled.stderr
    for source in (module, script):
        shutil.copy(source, tmp_path / source.name)
    await db.migrate()
    await make_site(db, SITE)
    token = await make_token(db)
    goal = await make_goal(db, SITE)
    manifest = src / "gql" / "persisted-documents.json"
    async with serving(
        database_url, tmp_path, GOALGATE_GRAPHQL_TRUSTED_DOCUMENTS=str(manifest)
    ) as server:
        done = await run_node(
            node,
            [tmp_path / script.name, f"{server.base_url}/graphql", token, SITE],
            cwd=tmp_path,
        )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    ids = {
        text.split("(")[0].split(" {")[0]: key
        for key, text in json.loads(manifest.read_text()).items()
    }
    # By id alone, every time: the text never travels, and nothing is refused.
    assert report["exchanges"] == [
        {"operationName": "MySites", "hash": ids["query MySites"], "withQuery": False, "codes": []},
        {
            "operationName": "SiteGoals",
            "hash": ids["query SiteGoals"],
            "withQuery": False,
            "codes": [],
        },
    ]
    assert report["sites"] == [{"__typename": "Site", "key": SITE, "id": site_id(SITE)}]
    assert report["goals"] == [{"__typename": "Goal", "id": goal.id, "name": "Signup"}]
    assert report["warnings"] == []

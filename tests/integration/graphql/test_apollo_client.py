"""Apollo Client 4 (pinned in tests/package.json) with docs/clients/apollo.mjs against a
live ``goalgate serve``: the docs' operations over automatic persisted queries, and
the normalised cache the docs' type policies give (one Site per id, merged
GoalStats, a deleted goal evicted, pages of goals appended)."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from goalgate.api.graphql.node import site_id
from goalgate.storage.db import Database
from tests.helpers.data import make_goal, make_site, make_token, record_events
from tests.helpers.node import NODE_MODULES, node_with, run_node
from tests.helpers.server import ROOT, serving

CLIENTS = ROOT / "docs" / "clients"
SCRIPT = Path(__file__).with_name("apollo_client_check.mjs")
SITE = "sk_abc123def456"


def client_directory(tmp_path: Path) -> Path:
    """The docs' module and operations next to the script, node_modules linked:
    Node resolves @apollo/client from the importing file's directory."""
    work = tmp_path / "apollo"
    work.mkdir()
    for source in (CLIENTS / "apollo.mjs", CLIENTS / "operations.graphql", SCRIPT):
        shutil.copy(source, work / source.name)
    os.symlink(NODE_MODULES, work / "node_modules")
    return work


async def test_apollo_client_runs_the_docs_operations_with_apq_and_normalises_the_cache(
    database_url: str, db: Database, tmp_path: Path
) -> None:
    node = node_with("@apollo/client", "the Apollo Client check against a live server")
    await db.migrate()
    await make_site(db, SITE)
    token = await make_token(db)
    purchase = await make_goal(
        db, SITE, name="Purchase", type="custom", match_value="purchase", currency="USD"
    )
    signup = await make_goal(db, SITE, name="Signup")
    pricing = await make_goal(db, SITE, name="Pricing", type="pageview", match_value="/pricing")
    now = datetime.now(UTC)
    await record_events(
        db,
        SITE,
        "goal",
        "purchase",
        at=[now - timedelta(hours=2), now - timedelta(hours=1)],
        visitors=[1, 2],
        revenue="49.90",
        currency="USD",
    )
    work = client_directory(tmp_path)
    async with serving(database_url, tmp_path) as server:
        done = await run_node(
            node,
            [work / SCRIPT.name, f"{server.base_url}/graphql", token, SITE, purchase.id],
            cwd=work,
        )
    assert done.returncode == 0, done.stderr
    report: dict[str, Any] = json.loads(done.stdout)

    the_site = site_id(SITE)
    goal_row = {"__typename": "Goal", "currency": None}
    page_one = [
        {
            "__typename": "GoalEdge",
            "node": {
                **goal_row,
                "id": purchase.id,
                "name": "Purchase",
                "type": "CUSTOM",
                "currency": "USD",
            },
        },
        {
            "__typename": "GoalEdge",
            "node": {**goal_row, "id": signup.id, "name": "Signup", "type": "EVENT"},
        },
    ]
    page_two = [
        {
            "__typename": "GoalEdge",
            "node": {**goal_row, "id": pricing.id, "name": "Pricing", "type": "PAGEVIEW"},
        }
    ]
    results = report["results"]
    assert results["mySites"] == {
        "viewer": {
            "__typename": "Viewer",
            "name": "test",
            "sites": [
                {
                    "__typename": "Site",
                    "id": the_site,
                    "key": SITE,
                    "domain": "example.com",
                    "timezone": "UTC",
                }
            ],
        }
    }
    first_edges = results["firstPage"]["site"]["goals"]["edges"]
    assert [{k: v for k, v in edge.items() if k != "cursor"} for edge in first_edges] == page_one
    assert results["firstPage"]["site"]["goals"]["pageInfo"] == {
        "__typename": "PageInfo",
        "hasNextPage": True,
        "endCursor": first_edges[1]["cursor"],
    }
    # Both pages in one list, under the first page's query (relayStylePagination).
    both = results["bothPages"]["site"]["goals"]
    assert [{k: v for k, v in e.items() if k != "cursor"} for e in both["edges"]] == [
        *page_one,
        *page_two,
    ]
    assert both["pageInfo"]["hasNextPage"] is False
    # One Site entry, keyed on its Node id, for viewer.sites and site(key:).
    assert report["siteEntries"] == [f"Site:{the_site}"]

    assert results["conversions"]["goal"]["stats"] == {"__typename": "GoalStats", "conversions": 2}
    assert results["revenue"]["goal"]["stats"] == {
        "__typename": "GoalStats",
        "uniqueConversions": 2,
        "revenue": {"__typename": "Money", "amount": "99.80", "currency": "USD"},
    }
    # GoalStats merged: the first query's numbers survived the second's answer.
    assert results["conversionsFromCache"]["goal"]["stats"] == {
        "__typename": "GoalStats",
        "conversions": 2,
    }
    assert report["stats"] == {
        "__typename": "GoalStats",
        "conversions": 2,
        "uniqueConversions": 2,
        "revenue": {"__typename": "Money", "amount": "99.80", "currency": "USD"},
    }

    created = results["created"]["createGoal"]
    assert created["userErrors"] == []
    assert results["deleted"] == {
        "deleteGoal": {
            "__typename": "DeleteGoalPayload",
            "deletedGoalId": signup.id,
            "userErrors": [],
        }
    }
    # Evicted: gone from the cache and from the list that held it.
    assert report["deletedInCache"] is False
    after = results["afterDelete"]["site"]["goals"]["edges"]
    assert [edge["node"]["name"] for edge in after] == ["Purchase", "Pricing"]
    # gc() also dropped the goal createGoal returned: no query holds it (a list
    # shows it once refetched, or once an update function writes it in).
    assert report["goalEntries"] == sorted(
        f"Goal:{goal_id}" for goal_id in (purchase.id, pricing.id)
    )

    # APQ: every document's hash first; its text once, after PERSISTED_QUERY_NOT_FOUND;
    # MySites a second time by hash alone. The hash is SHA-256 of the text sent.
    exchanges = report["exchanges"]
    assert [
        (e["method"], e["operationName"], e["withQuery"], e["status"], e["codes"])
        for e in exchanges
    ] == [
        ("POST", "MySites", False, 200, ["PERSISTED_QUERY_NOT_FOUND"]),
        ("POST", "MySites", True, 200, []),
        ("POST", "SiteGoals", False, 200, ["PERSISTED_QUERY_NOT_FOUND"]),
        ("POST", "SiteGoals", True, 200, []),
        ("POST", "SiteGoals", False, 200, []),
        ("POST", "GoalConversions", False, 200, ["PERSISTED_QUERY_NOT_FOUND"]),
        ("POST", "GoalConversions", True, 200, []),
        ("POST", "GoalRevenue", False, 200, ["PERSISTED_QUERY_NOT_FOUND"]),
        ("POST", "GoalRevenue", True, 200, []),
        ("POST", "MySites", False, 200, []),
        ("POST", "CreateGoal", False, 200, ["PERSISTED_QUERY_NOT_FOUND"]),
        ("POST", "CreateGoal", True, 200, []),
        ("POST", "DeleteGoal", False, 200, ["PERSISTED_QUERY_NOT_FOUND"]),
        ("POST", "DeleteGoal", True, 200, []),
    ]
    assert all(e["hashOfQuery"] for e in exchanges if e["withQuery"])
    assert report["sha256OfEmpty"] == hashlib.sha256(b"").hexdigest()
    # No "cache data may be lost" (an unmerged GoalStats) nor any other warning.
    assert report["warnings"] == []

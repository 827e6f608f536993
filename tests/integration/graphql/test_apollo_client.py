"""Apollo Client 4 (pinned in tests/package.json) with docs/clients/apollo.mjs against a
live ``goalgate serve``: the docs' operations over automatic persisted queries, and
the normalised cache the docs' type policies give (one Site per id, merged
GoalStats, a deleted goal evicted, pages of goals appended)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from goalgate.api.graphql.node import site_id
from goalgate.storage.db import Database
from tests.helpers.clients import SITE, run_docs_client

SCRIPT = Path(__file__).with_name("apollo_client_check.mjs")


async def test_apollo_client_runs_the_docs_operations_with_apq_and_normalises_the_cache(
    database_url: str, db: Database, tmp_path: Path
) -> None:
    run = await run_docs_client(
        database_url,
        db,
        tmp_path,
        module="apollo.mjs",
        script=SCRIPT,
        package="@apollo/client",
        what="the Apollo Client check against a live server",
    )
    report, purchase, signup, pricing = run.report, run.purchase, run.signup, run.pricing

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

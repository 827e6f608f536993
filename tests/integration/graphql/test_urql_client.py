"""urql (pinned in tests/package.json) with docs/clients/urql.mjs against a live
``goalgate serve``: the docs' operations through Graphcache and automatic persisted
queries, and the normalised cache the docs' Graphcache config gives (one Site per
id, one GoalStats under its goal, pages of goals appended, a deleted goal gone)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from goalgate.api.graphql.node import site_id
from goalgate.storage.db import Database
from tests.helpers.clients import SITE, run_docs_client

SCRIPT = Path(__file__).with_name("urql_client_check.mjs")


async def test_urql_runs_the_docs_operations_with_apq_and_normalises_the_cache(
    database_url: str, db: Database, tmp_path: Path
) -> None:
    run = await run_docs_client(
        database_url,
        db,
        tmp_path,
        module="urql.mjs",
        script=SCRIPT,
        package="@urql/core",
        what="the urql check against a live server",
    )
    report, purchase, signup, pricing = run.report, run.purchase, run.signup, run.pricing

    the_site = site_id(SITE)
    purchase_row = {"id": purchase.id, "name": "Purchase", "type": "CUSTOM", "currency": "USD"}
    signup_row = {"id": signup.id, "name": "Signup", "type": "EVENT", "currency": None}
    pricing_row = {"id": pricing.id, "name": "Pricing", "type": "PAGEVIEW", "currency": None}

    def rows(data: dict[str, Any] | None) -> list[dict[str, Any]]:
        assert data is not None
        return [edge["node"] for edge in data["site"]["goals"]["edges"]]

    results = report["results"]
    assert results["mySites"] == {
        "viewer": {
            "name": "test",
            "sites": [{"id": the_site, "key": SITE, "domain": "example.com", "timezone": "UTC"}],
        }
    }
    assert rows(results["firstPage"]) == [purchase_row, signup_row]
    first_edges = results["firstPage"]["site"]["goals"]["edges"]
    assert results["firstPage"]["site"]["goals"]["pageInfo"] == {
        "hasNextPage": True,
        "endCursor": first_edges[1]["cursor"],
    }
    # relayPagination: the next page's query answers with both pages in one list,
    # and so does the first page's, read from the cache alone.
    assert rows(results["nextPage"]) == [purchase_row, signup_row, pricing_row]
    assert results["bothPages"] == results["nextPage"]
    assert results["bothPages"]["site"]["goals"]["pageInfo"]["hasNextPage"] is False

    assert results["conversions"]["goal"]["stats"] == {"conversions": 2}
    assert results["revenue"]["goal"]["stats"] == {
        "uniqueConversions": 2,
        "revenue": {"amount": "99.80", "currency": "USD"},
    }
    # The second query's answer added to the GoalStats, not replaced it.
    assert results["conversionsFromCache"] == results["conversions"]
    assert results["sitesAgain"] == results["mySites"]

    assert results["created"]["createGoal"]["userErrors"] == []
    assert results["deleted"] == {"deleteGoal": {"deletedGoalId": signup.id, "userErrors": []}}
    # The list held the invalidated goal: the cache alone cannot answer it, and a
    # cache-first query fetched it again (the last exchange below), without it.
    assert results["afterDeleteFromCache"] is None
    assert rows(results["afterDelete"]) == [purchase_row, pricing_row]

    # The normalised cache, as it stood once the docs' deleteGoal updater ran.
    the_site_key = f"Site:{the_site}"
    normalised = report["normalised"]
    # One Site entity, keyed on its Node id, for viewer.sites and site(key:); both
    # queries' fields on it, and each page of goals under its own arguments.
    assert normalised["viewerSites"] == [the_site_key]
    assert normalised["siteByKey"] == the_site_key
    assert normalised["siteFields"] == sorted(
        [
            "__typename",
            "id",
            "key",
            "domain",
            "timezone",
            'goals({"first":2})',
            json_key("goals", {"after": first_edges[1]["cursor"], "first": 2}),
        ]
    )
    # One GoalStats, embedded under its goal and arguments, holding both queries'
    # numbers.
    assert normalised["statsKey"] == f'Goal:{purchase.id}.stats({{"period":"LAST_30_DAYS"}})'
    assert normalised["stats"] == {
        "__typename": "GoalStats",
        "conversions": 2,
        "uniqueConversions": 2,
        "revenue": {"__typename": "Money", "amount": "99.80", "currency": "USD"},
    }
    assert 'stats({"period":"LAST_30_DAYS"})' in normalised["goalFields"]
    # Invalidated: the deleted goal has no field left.
    assert normalised["deletedGoalFields"] == []

    # APQ: every document's hash first; its text once, after PersistedQueryNotFound;
    # by hash alone from then on. Queries go as GET, mutations as POST. The hash is
    # SHA-256 of the text sent, the same for each exchange of one operation.
    exchanges = report["exchanges"]
    assert [
        (e["method"], e["operationName"], e["withQuery"], e["status"], e["codes"])
        for e in exchanges
    ] == [
        ("GET", "MySites", False, 200, ["PERSISTED_QUERY_NOT_FOUND"]),
        ("GET", "MySites", True, 200, []),
        ("GET", "SiteGoals", False, 200, ["PERSISTED_QUERY_NOT_FOUND"]),
        ("GET", "SiteGoals", True, 200, []),
        ("GET", "SiteGoals", False, 200, []),
        ("GET", "GoalConversions", False, 200, ["PERSISTED_QUERY_NOT_FOUND"]),
        ("GET", "GoalConversions", True, 200, []),
        ("GET", "GoalRevenue", False, 200, ["PERSISTED_QUERY_NOT_FOUND"]),
        ("GET", "GoalRevenue", True, 200, []),
        ("GET", "MySites", False, 200, []),
        ("POST", "CreateGoal", False, 200, ["PERSISTED_QUERY_NOT_FOUND"]),
        ("POST", "CreateGoal", True, 200, []),
        ("POST", "DeleteGoal", False, 200, ["PERSISTED_QUERY_NOT_FOUND"]),
        ("POST", "DeleteGoal", True, 200, []),
        ("GET", "SiteGoals", False, 200, []),
    ]
    assert all(e["hashOfQuery"] for e in exchanges if e["withQuery"])
    hashes: dict[str, set[str]] = {}
    for e in exchanges:
        hashes.setdefault(e["operationName"], set()).add(e["hash"])
    assert all(len(seen) == 1 for seen in hashes.values()), hashes
    assert report["sha256OfEmpty"] == hashlib.sha256(b"").hexdigest()
    # No "Invalid key" (a type without id and without keys) nor any other warning.
    assert report["warnings"] == []


def json_key(field: str, arguments: dict[str, Any]) -> str:
    """Graphcache's key of a field with arguments: its name, then the arguments as
    compact JSON with sorted keys."""
    return f"{field}({json.dumps(arguments, sort_keys=True, separators=(',', ':'))})"

"""One matching budget per request, shared by every clause, alias and site (issue 20, row 3).

``GOALGATE_MATCH_BUDGET_S`` was documented per request but applied per call:
per filter clause, per site, per alias. Ten CONTAINS clauses that each took a
little under the budget ran ten times the budget and were answered. The site
here has 10,000 distinct 1 KB paths (``test_matching_budget``'s), and each
clause holds 20 values, so that testing one clause against every path takes
a few tenths of a second: a budget of 0.5 s used to let ten of them run ~3 s.
"""

from __future__ import annotations

import time
from pathlib import Path

import httpx

from goalgate.storage.db import Database
from tests.helpers.data import READ, make_goal, make_site, make_token
from tests.helpers.http import bearer
from tests.helpers.server import serving
from tests.security.test_matching_budget import PATHS, SITE, plant

BUDGET_S = "0.5"
FAULT = (
    f"testing the site's {PATHS} distinct values took longer than the {BUDGET_S} s budget "
    "(GOALGATE_MATCH_BUDGET_S)"
)


def clause(number: int) -> str:
    """A CONTAINS clause on PAGE with 20 values no path holds (digits: paths are letters)."""
    return "page:contains:" + "|".join(f"{number}x{n}" for n in range(20))


async def test_ten_contains_clauses_share_one_budget(
    database_url: str, db: Database, tmp_path: Path
) -> None:
    await make_site(db, SITE)
    goal = await make_goal(db, SITE, name="Home", type="pageview", match_type="exact",
                           match_value="/")  # fmt: skip
    token = await make_token(db, READ)
    await plant(db)
    filters = "&".join(f"filter={clause(n)}" for n in range(10))
    async with (
        serving(database_url, tmp_path, GOALGATE_MATCH_BUDGET_S=BUDGET_S) as server,
        httpx.AsyncClient(base_url=server.base_url, timeout=60, headers=bearer(token)) as http,
    ):
        url = f"/api/v1/analytics/sites/{SITE}/goals/{goal.id}/stats?period=7d&{filters}"
        started = time.monotonic()
        response = await http.get(url)
        took = time.monotonic() - started
        assert (response.status_code, response.json()) == (
            422,
            {
                "error": {
                    "code": "budget_exceeded",
                    "message": "filtering is over its time budget",
                    "fields": {"filter": FAULT},
                }
            },
        )
        assert took < float(BUDGET_S) + 1.0

        # GraphQL: five aliases, two clauses each, one budget for the operation.
        aliases = " ".join(
            f'a{n}: goal(siteKey: "{SITE}", id: "{goal.id}") '
            f"{{ stats(filter: [{{dimension: PAGE, operator: CONTAINS, values: "
            f"[{', '.join(chr(34) + f'{n}y{v}' + chr(34) for v in range(20))}]}}, "
            f"{{dimension: PAGE, operator: CONTAINS, values: "
            f"[{', '.join(chr(34) + f'{n}z{v}' + chr(34) for v in range(20))}]}}]) "
            "{ conversions } }"
            for n in range(5)
        )
        started = time.monotonic()
        response = await http.post("/graphql", json={"query": f"query {{ {aliases} }}"})
        took = time.monotonic() - started
        body = response.json()
        assert body["data"] == {f"a{n}": {"stats": None} for n in range(5)}
        assert sorted((e["path"], e["extensions"]) for e in body["errors"]) == [
            ([f"a{n}", "stats"], {"code": "BAD_USER_INPUT", "arguments": {"filter": FAULT}})
            for n in range(5)
        ]
        assert took < float(BUDGET_S) + 1.0

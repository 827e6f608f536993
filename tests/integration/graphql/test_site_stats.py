"""Site.stats, Site.breakdown and Site.funnel: the REST numbers, the GraphQL shapes.

The day of traffic is REST's (tests/integration/rest/test_site_stats.py),
worked out there; the funnel's too (test_funnels.py).
"""

from __future__ import annotations

from typing import Any

from goalgate.storage.db import Database
from tests.helpers.data import WRITE, make_token
from tests.helpers.graphql import gql
from tests.helpers.http import Client
from tests.integration.rest.test_funnels import arranged as funnel_day
from tests.integration.rest.test_site_stats import one_day

NO_GOAL = "00000000-0000-0000-0000-000000000000"
DAY = 'period: CUSTOM, from: "2024-03-05", to: "2024-03-05"'

SITE_STATS = f"""
query ($site: String!) {{
  site(key: $site) {{
    stats({DAY}, compare: PREVIOUS_PERIOD) {{
      visitors visits pageviews viewsPerVisit bounceRate visitDuration from to timezone
      timeseries(interval: DAY) {{ date visitors visits }}
      previous {{ visitors visits from to }}
    }}
    breakdown(by: SOURCE, first: 2, {DAY}) {{
      nodes {{ value visitors visits }}
      edges {{ cursor }}
      pageInfo {{ hasNextPage endCursor }}
    }}
  }}
}}
"""


async def test_site_stats_breakdown_and_series(client: Client, site: str, token: str) -> None:
    await one_day(client, site, token)
    body = await gql(client, SITE_STATS, {"site": site}, token)
    assert "errors" not in body, body
    found = body["data"]["site"]
    cursor = found["breakdown"]["pageInfo"]["endCursor"]
    assert found == {
        "stats": {
            "visitors": 3,
            "visits": 4,
            "pageviews": 4,
            "viewsPerVisit": 1.0,
            "bounceRate": 0.5,
            "visitDuration": 150.0,
            "from": "2024-03-05",
            "to": "2024-03-05",
            "timezone": "UTC",
            "timeseries": [{"date": "2024-03-05", "visitors": 3, "visits": 4}],
            "previous": {"visitors": 0, "visits": 0, "from": "2024-03-04", "to": "2024-03-04"},
        },
        "breakdown": {
            "nodes": [
                {"value": "(none)", "visitors": 2, "visits": 2},
                {"value": "Google", "visitors": 1, "visits": 1},
            ],
            "edges": [{"cursor": found["breakdown"]["edges"][0]["cursor"]}, {"cursor": cursor}],
            "pageInfo": {"hasNextPage": True, "endCursor": cursor},
        },
    }
    rest = await gql(
        client,
        f"""query ($site: String!, $after: String) {{ site(key: $site) {{
          breakdown(by: SOURCE, first: 2, after: $after, {DAY}) {{
            nodes {{ value visitors visits }} pageInfo {{ hasNextPage }} }} }} }}""",
        {"site": site, "after": cursor},
        token,
    )
    assert rest["data"]["site"]["breakdown"] == {
        "nodes": [{"value": "Twitter", "visitors": 1, "visits": 1}],
        "pageInfo": {"hasNextPage": False},
    }


FUNNEL = f"""
query ($site: String!, $steps: [ID!]!) {{
  site(key: $site) {{
    funnel(steps: $steps, {DAY}) {{
      steps {{ goal {{ name }} visitors conversionRate dropOff }}
    }}
  }}
}}
"""


async def test_site_funnel(client: Client, site: str, token: str) -> None:
    steps = list(await funnel_day(client, site, token))
    body = await gql(client, FUNNEL, {"site": site, "steps": steps}, token)
    assert body == {
        "data": {
            "site": {
                "funnel": {
                    "steps": [
                        {
                            "goal": {"name": "Pricing"},
                            "visitors": 3,
                            "conversionRate": 1.0,
                            "dropOff": 0,
                        },
                        {
                            "goal": {"name": "Purchase"},
                            "visitors": 1,
                            "conversionRate": 1 / 3,
                            "dropOff": 2,
                        },
                    ]
                }
            }
        }
    }


async def test_funnel_faults_are_coded(client: Client, site: str, token: str) -> None:
    steps = list(await funnel_day(client, site, token))

    def codes(body: dict[str, Any]) -> list[tuple[str, Any]]:
        return [(e["extensions"]["code"], e["path"]) for e in body["errors"]]

    one = await gql(client, FUNNEL, {"site": site, "steps": steps[:1]}, token)
    assert codes(one) == [("BAD_USER_INPUT", ["site", "funnel"])]
    assert one["errors"][0]["extensions"]["arguments"] == {"steps": "must name 2 to 8 goals"}
    unknown = await gql(
        client,
        FUNNEL,
        {"site": site, "steps": [steps[0], NO_GOAL]},
        token,
    )
    assert codes(unknown) == [("NOT_FOUND", ["site", "funnel"])]


async def test_site_fields_need_read_scope(
    client: Client, db: Database, site: str, token: str
) -> None:
    writer = await make_token(db, WRITE)
    body = await gql(
        client,
        'mutation ($site: String!) { createGoal(siteKey: $site, input: {name: "G", '
        'type: EVENT, matchType: EXACT, matchValue: "g"}) { goal { site { stats { visits } } } } }',
        {"site": site},
        writer,
    )
    assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]

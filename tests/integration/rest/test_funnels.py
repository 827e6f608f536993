"""Funnels through REST: GET /api/v1/analytics/sites/{key}/funnel, on both backends.

Steps: Pricing (a pageview of /pricing), then Purchase (the custom goal
"purchase"), on 5 March 2024 (UTC), worked out by hand:

- alice views /pricing at 10:05 and buys at 10:10, in one visit: both steps;
- dave buys at 14:00, then views /pricing at 14:05: the purchase is not after
  the pricing page, so only step 1;
- erin views /pricing at 15:00 and buys at 16:00, an hour later: another
  visit, so only step 1;
- frank buys at 17:00 without seeing /pricing: no step.

Step 1: 3 visitors (alice, dave, erin); step 2: 1 (alice). Conversion rates
1.0 and 1/3; drop-offs 0 and 2.
"""

from __future__ import annotations

from typing import Any

import pytest

from goalgate.storage.db import Database
from tests.helpers.data import make_site, make_token
from tests.helpers.http import EVENTS_URL, Client, bearer, error, goal_body

BASE = "/api/v1/analytics/sites"
DAY = {"period": "custom", "from": "2024-03-05", "to": "2024-03-05"}
SHOP = "https://example.com"


def pricing(site: str, clock: str, visitor: str) -> dict[str, Any]:
    return {
        "site": site,
        "type": "pageview",
        "url": f"{SHOP}/pricing",
        "timestamp": f"2024-03-05T{clock}:00Z",
        "visitor_id": visitor,
    }


def purchase(site: str, clock: str, visitor: str) -> dict[str, Any]:
    return {
        "site": site,
        "type": "goal",
        "name": "purchase",
        "url": f"{SHOP}/checkout",
        "timestamp": f"2024-03-05T{clock}:00Z",
        "visitor_id": visitor,
    }


async def goal(client: Client, site: str, token: str, **body: Any) -> str:
    created = await client.post(
        f"{BASE}/{site}/goals", json=goal_body(**body), headers=bearer(token)
    )
    assert created.status_code == 201, created.text
    return str(created.json()["data"]["id"])


async def arranged(client: Client, site: str, token: str) -> tuple[str, str]:
    steps = (
        await goal(client, site, token, name="Pricing", type="pageview", match_value="/pricing"),
        await goal(client, site, token, name="Purchase", type="custom", match_value="purchase"),
    )
    events = [
        pricing(site, "10:05", "alice"),
        purchase(site, "10:10", "alice"),
        purchase(site, "14:00", "dave"),
        pricing(site, "14:05", "dave"),
        pricing(site, "15:00", "erin"),
        purchase(site, "16:00", "erin"),
        purchase(site, "17:00", "frank"),
    ]
    response = await client.post(EVENTS_URL, json=events, headers=bearer(token))
    assert response.status_code == 202, response.text
    return steps


async def funnel(client: Client, site: str, token: str, steps: list[str], **params: Any) -> Any:
    return await client.get(
        f"{BASE}/{site}/funnel",
        params={"steps": ",".join(steps), **DAY, **params},
        headers=bearer(token),
    )


async def test_a_two_step_funnel_counts_each_step_within_one_visit_in_order(
    client: Client, site: str, token: str
) -> None:
    pricing_id, purchase_id = await arranged(client, site, token)
    response = await funnel(client, site, token, [pricing_id, purchase_id])
    assert response.status_code == 200, response.text
    assert response.json() == {
        "data": {
            "steps": [
                {
                    "goal_id": pricing_id,
                    "name": "Pricing",
                    "visitors": 3,
                    "conversion_rate": 1.0,
                    "drop_off": 0,
                },
                {
                    "goal_id": purchase_id,
                    "name": "Purchase",
                    "visitors": 1,
                    "conversion_rate": 1 / 3,
                    "drop_off": 2,
                },
            ]
        }
    }


async def test_the_order_of_the_steps_matters(client: Client, site: str, token: str) -> None:
    pricing_id, purchase_id = await arranged(client, site, token)
    response = await funnel(client, site, token, [purchase_id, pricing_id])
    # Purchase first: alice, dave, erin, frank (4); then /pricing after it in
    # the same visit: dave only (alice's pricing came before her purchase).
    assert [
        (step["visitors"], step["conversion_rate"], step["drop_off"])
        for step in response.json()["data"]["steps"]
    ] == [(4, 1.0, 0), (1, 0.25, 3)]


async def test_a_step_repeated_needs_a_second_conversion(
    client: Client, site: str, token: str
) -> None:
    pricing_id, _ = await arranged(client, site, token)
    response = await funnel(client, site, token, [pricing_id, pricing_id])
    assert [step["visitors"] for step in response.json()["data"]["steps"]] == [3, 0]


async def test_a_funnel_under_a_filter(client: Client, site: str, token: str) -> None:
    pricing_id, purchase_id = await arranged(client, site, token)
    response = await funnel(
        client, site, token, [pricing_id, purchase_id], filter="page:is:/pricing"
    )
    # Only /pricing pageviews pass: nobody's purchase does.
    assert [step["visitors"] for step in response.json()["data"]["steps"]] == [3, 0]


@pytest.mark.parametrize("count", [0, 1, 9])
async def test_two_to_eight_steps(client: Client, site: str, token: str, count: int) -> None:
    pricing_id, _ = await arranged(client, site, token)
    response = await funnel(client, site, token, [pricing_id] * count)
    assert (response.status_code, response.json()) == (
        422,
        error("validation_error", "steps is not valid", {"steps": "must name 2 to 8 goals"}),
    )


async def test_eight_steps_are_allowed(client: Client, site: str, token: str) -> None:
    pricing_id, _ = await arranged(client, site, token)
    response = await funnel(client, site, token, [pricing_id] * 8)
    assert [step["visitors"] for step in response.json()["data"]["steps"]] == [3] + [0] * 7


async def test_a_goal_of_another_site_is_not_found(
    client: Client, db: Database, site: str, token: str
) -> None:
    pricing_id, _ = await arranged(client, site, token)
    other = await make_site(db, "sk_other_site")
    other_token = await make_token(db)
    elsewhere = await goal(client, other, other_token, name="Elsewhere")
    for steps in ([pricing_id, elsewhere], [pricing_id, "not-a-goal-id"]):
        response = await funnel(client, site, token, steps)
        assert (response.status_code, response.json()) == (
            404,
            error("not_found", "goal not found"),
        )

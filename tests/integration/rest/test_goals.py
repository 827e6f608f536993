"""The four documented goal routes (plus GET of one goal), through create_app."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from goalgate.storage.db import Database
from tests.helpers.data import READ, WRITE, make_site, make_token
from tests.helpers.http import Client, bearer, error, goal_body

BASE = "/api/v1/analytics/sites"


def goals_url(site: str) -> str:
    return f"{BASE}/{site}/goals"


async def create(client: Client, site: str, token: str, **overrides: Any) -> dict[str, Any]:
    response = await client.post(
        goals_url(site), json=goal_body(**overrides), headers=bearer(token)
    )
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


# --- the documented shapes -------------------------------------------------


async def test_create_returns_201_and_exactly_the_six_documented_fields(
    client: Client, site: str, token: str
) -> None:
    response = await client.post(
        goals_url(site),
        json={
            "name": "Purchase",
            "type": "custom",
            "match_type": "exact",
            "match_value": "purchase",
            "currency": "usd",
        },
        headers=bearer(token),
    )
    assert response.status_code == 201
    body = response.json()
    assert list(body) == ["data"]
    goal = body["data"]
    assert set(goal) == {"id", "name", "type", "match_type", "match_value", "currency"}
    assert goal["name"] == "Purchase"
    assert goal["type"] == "custom"
    assert goal["match_type"] == "exact"
    assert goal["match_value"] == "purchase"
    assert goal["currency"] == "USD"
    assert goal["id"] == goal["id"].lower()
    assert len(goal["id"]) == 36
    assert goal["id"].count("-") == 4
    assert response.headers["etag"] == '"v1"'


async def test_currency_is_always_present_and_null_without_revenue(
    client: Client, site: str, token: str
) -> None:
    goal = await create(client, site, token, type="pageview", match_value="/thank-you")
    assert goal["currency"] is None


async def test_list_returns_goals_oldest_first(client: Client, site: str, token: str) -> None:
    names = ["Purchase", "Newsletter Signup", "Contact Form"]
    created = [await create(client, site, token, name=name, match_value=name) for name in names]
    response = await client.get(goals_url(site), headers=bearer(token))
    assert response.status_code == 200
    assert response.json() == {"data": created}


async def test_list_of_a_site_without_goals_is_empty(client: Client, site: str, token: str) -> None:
    response = await client.get(goals_url(site), headers=bearer(token))
    assert response.status_code == 200
    assert response.json() == {"data": []}


async def test_patch_changes_only_the_fields_sent(client: Client, site: str, token: str) -> None:
    goal = await create(
        client, site, token, name="Purchase", type="custom", match_value="purchase", currency="USD"
    )
    response = await client.patch(
        f"{goals_url(site)}/{goal['id']}",
        json={"name": "Completed Purchase", "currency": "EUR"},
        headers=bearer(token),
    )
    assert response.status_code == 200
    assert response.json() == {
        "data": {
            "id": goal["id"],
            "name": "Completed Purchase",
            "type": "custom",
            "match_type": "exact",
            "match_value": "purchase",
            "currency": "EUR",
        }
    }
    assert response.headers["etag"] == '"v2"'


async def test_patch_currency_null_stops_revenue_tracking(
    client: Client, site: str, token: str
) -> None:
    goal = await create(client, site, token, currency="USD")
    response = await client.patch(
        f"{goals_url(site)}/{goal['id']}", json={"currency": None}, headers=bearer(token)
    )
    assert response.status_code == 200
    assert response.json()["data"]["currency"] is None


async def test_patch_with_empty_body_changes_nothing(client: Client, site: str, token: str) -> None:
    goal = await create(client, site, token)
    response = await client.patch(f"{goals_url(site)}/{goal['id']}", json={}, headers=bearer(token))
    assert response.status_code == 200
    assert response.json() == {"data": goal}


async def test_delete_returns_deleted_true_and_the_goal_is_gone(
    client: Client, site: str, token: str
) -> None:
    goal = await create(client, site, token)
    url = f"{goals_url(site)}/{goal['id']}"
    response = await client.delete(url, headers=bearer(token))
    assert response.status_code == 200
    assert response.json() == {"data": {"deleted": True}}
    assert (await client.get(goals_url(site), headers=bearer(token))).json() == {"data": []}
    again = await client.delete(url, headers=bearer(token))
    assert again.status_code == 404
    assert again.json() == error("not_found", "goal not found")


async def test_get_one_goal_returns_it_with_its_etag(client: Client, site: str, token: str) -> None:
    goal = await create(client, site, token)
    response = await client.get(f"{goals_url(site)}/{goal['id']}", headers=bearer(token))
    assert response.status_code == 200
    assert response.json() == {"data": goal}
    assert response.headers["etag"] == '"v1"'


# --- validation ------------------------------------------------------------


async def test_malformed_json_is_400(client: Client, site: str, token: str) -> None:
    response = await client.post(
        goals_url(site),
        content=b'{"name": ',
        headers={**bearer(token), "Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_request"


@pytest.mark.parametrize("body", [b"[]", b'"text"', b"42", b""])
async def test_a_body_that_is_not_an_object_is_400(
    client: Client, site: str, token: str, body: bytes
) -> None:
    response = await client.post(
        goals_url(site), content=body, headers={**bearer(token), "Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_request"


async def test_unknown_fields_are_rejected_with_422(client: Client, site: str, token: str) -> None:
    response = await client.post(
        goals_url(site), json=goal_body(colour="red"), headers=bearer(token)
    )
    assert response.status_code == 422
    assert response.json() == error(
        "validation_error", "the request is not valid", {"colour": "unknown field"}
    )


async def test_missing_required_fields_are_named(client: Client, site: str, token: str) -> None:
    response = await client.post(goals_url(site), json={"name": "x"}, headers=bearer(token))
    assert response.status_code == 422
    assert response.json()["error"]["fields"] == {
        "type": "is required",
        "match_type": "is required",
        "match_value": "is required",
    }


async def test_wrong_json_types_are_422(client: Client, site: str, token: str) -> None:
    response = await client.post(
        goals_url(site), json=goal_body(name=42, match_value=["x"]), headers=bearer(token)
    )
    assert response.status_code == 422
    assert response.json()["error"]["fields"] == {
        "name": "must be a string",
        "match_value": "must be a string",
    }


async def test_the_rules_faults_are_a_422_naming_each_field_and_store_nothing(
    client: Client, site: str, token: str
) -> None:
    """REST's mapping of the goal rules (their table: tests/unit/domain/test_goals.py)."""
    body = goal_body(
        name=" ", type="visit", match_type="glob", match_value="x" * 501, currency="XAU"
    )
    response = await client.post(goals_url(site), json=body, headers=bearer(token))
    assert response.status_code == 422
    assert response.json() == error(
        "validation_error",
        "the goal is not valid",
        {
            "name": "must be 1 to 120 characters after trimming spaces",
            "type": "must be one of pageview, event, custom",
            "match_type": "must be one of exact, contains, regex",
            "match_value": "must be 1 to 500 characters",
            "currency": "must be an active ISO 4217 code",
        },
    )
    assert (await client.get(goals_url(site), headers=bearer(token))).json() == {"data": []}


async def test_name_is_unique_per_site_regardless_of_case(
    client: Client, site: str, token: str, db: Database
) -> None:
    await create(client, site, token, name="Signup")
    response = await client.post(
        goals_url(site), json=goal_body(name="SIGNUP"), headers=bearer(token)
    )
    assert response.status_code == 409
    assert response.json() == error(
        "conflict", "a goal named 'Signup' exists already on this site", {"name": "taken"}
    )
    other = await make_site(db, "sk_other")
    await create(client, other, token, name="Signup")


async def test_patch_to_a_taken_name_is_409(client: Client, site: str, token: str) -> None:
    await create(client, site, token, name="A", match_value="a")
    b = await create(client, site, token, name="B", match_value="b")
    response = await client.patch(
        f"{goals_url(site)}/{b['id']}", json={"name": "a"}, headers=bearer(token)
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "conflict"


async def test_patch_may_change_the_case_of_its_own_name(
    client: Client, site: str, token: str
) -> None:
    goal = await create(client, site, token, name="signup")
    response = await client.patch(
        f"{goals_url(site)}/{goal['id']}", json={"name": "Signup"}, headers=bearer(token)
    )
    assert response.status_code == 200
    assert response.json()["data"]["name"] == "Signup"


async def test_patch_validates_the_merged_goal(client: Client, site: str, token: str) -> None:
    goal = await create(client, site, token, match_value="sign(up")
    response = await client.patch(
        f"{goals_url(site)}/{goal['id']}", json={"match_type": "regex"}, headers=bearer(token)
    )
    assert response.status_code == 422
    assert response.json()["error"]["fields"] == {
        "match_value": "not a valid RE2 regular expression: missing ): sign(up"
    }
    switch = await client.patch(
        f"{goals_url(site)}/{goal['id']}", json={"type": "pageview"}, headers=bearer(token)
    )
    assert switch.status_code == 422
    assert switch.json()["error"]["fields"] == {
        "match_value": "an exact pageview match must be a path starting with /"
    }


@pytest.mark.parametrize("field", ["name", "type", "match_type", "match_value"])
async def test_patch_null_for_a_required_field_is_422(
    client: Client, site: str, token: str, field: str
) -> None:
    goal = await create(client, site, token)
    response = await client.patch(
        f"{goals_url(site)}/{goal['id']}", json={field: None}, headers=bearer(token)
    )
    assert response.status_code == 422
    assert response.json() == error(
        "validation_error", "the goal is not valid", {field: "must not be null"}
    )


async def test_patch_unknown_field_is_422(client: Client, site: str, token: str) -> None:
    goal = await create(client, site, token)
    response = await client.patch(
        f"{goals_url(site)}/{goal['id']}", json={"id": "x"}, headers=bearer(token)
    )
    assert response.status_code == 422
    assert response.json()["error"]["fields"] == {"id": "unknown field"}


@pytest.mark.parametrize(
    "goal_id",
    [
        "not-a-uuid",
        "550E8400-E29B-41D4-A716-446655440000",
        "550e8400e29b41d4a716446655440000",
        "550e8400-e29b-41d4-a716-446655440000",
        "550e8400-e29b-41d4-a716-44665544000g",
    ],
)
async def test_malformed_or_unknown_goal_id_is_404(
    client: Client, site: str, token: str, goal_id: str
) -> None:
    url = f"{goals_url(site)}/{goal_id}"
    for response in (
        await client.get(url, headers=bearer(token)),
        await client.patch(url, json={"name": "x"}, headers=bearer(token)),
        await client.delete(url, headers=bearer(token)),
    ):
        assert response.status_code == 404
        assert response.json() == error("not_found", "goal not found")


async def test_a_goal_of_another_site_is_404(
    client: Client, site: str, token: str, db: Database
) -> None:
    other = await make_site(db, "sk_other")
    goal = await create(client, other, token)
    response = await client.get(f"{goals_url(site)}/{goal['id']}", headers=bearer(token))
    assert response.status_code == 404


# --- authentication, scopes, isolation -------------------------------------


ROUTES = [
    ("GET", "", None),
    ("POST", "", goal_body()),
    ("GET", "/550e8400-e29b-41d4-a716-446655440000", None),
    ("PATCH", "/550e8400-e29b-41d4-a716-446655440000", {"name": "x"}),
    ("DELETE", "/550e8400-e29b-41d4-a716-446655440000", None),
]


async def call(client: Client, method: str, url: str, body: Any, headers: dict[str, str]) -> Any:
    return await client.request(method, url, json=body, headers=headers)


@pytest.mark.parametrize(("method", "suffix", "body"), ROUTES)
@pytest.mark.parametrize(
    ("headers", "message"),
    [
        ({}, "an Authorization: Bearer token is required"),
        (
            {"Authorization": "Basic dXNlcjpwYXNz"},
            "the Authorization header must be 'Bearer <token>'",
        ),
        ({"Authorization": "Bearer"}, "the Authorization header must be 'Bearer <token>'"),
        ({"Authorization": "Bearer nonsense"}, "the token is invalid or revoked"),
        (
            {"Authorization": "Bearer gg_" + "A" * 43},
            "the token is invalid or revoked",
        ),
    ],
)
async def test_missing_malformed_or_unknown_token_is_401(
    client: Client,
    site: str,
    method: str,
    suffix: str,
    body: Any,
    headers: dict[str, str],
    message: str,
) -> None:
    response = await call(client, method, goals_url(site) + suffix, body, headers)
    assert response.status_code == 401
    assert response.json() == error("unauthenticated", message)
    assert response.headers["www-authenticate"] == 'Bearer realm="goalgate"'


async def test_401_comes_before_body_validation(client: Client, site: str) -> None:
    response = await client.post(
        goals_url(site), content=b"{bad", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 401


async def test_revoked_token_is_401(client: Client, site: str, db: Database) -> None:
    from goalgate.services import tokens as token_service

    secret = await make_token(db, READ)
    assert (await client.get(goals_url(site), headers=bearer(secret))).status_code == 200
    tokens = await token_service.list_tokens(db)
    await token_service.revoke_token(db, tokens[-1].id or 0)
    # Principals are cached per process for at most 1 s: refused within 2 s.
    revoked_at = time.monotonic()
    while (
        response := await client.get(goals_url(site), headers=bearer(secret))
    ).status_code == 200:
        assert time.monotonic() - revoked_at < 2.0, "a revoked token still served after 2 s"
        await asyncio.sleep(0.05)
    assert response.status_code == 401
    assert response.json() == error("unauthenticated", "the token is invalid or revoked")


@pytest.mark.parametrize(
    ("method", "suffix", "body", "needs"),
    [
        ("GET", "", None, WRITE),
        ("GET", "/550e8400-e29b-41d4-a716-446655440000", None, WRITE),
        ("POST", "", goal_body(), READ),
        ("PATCH", "/550e8400-e29b-41d4-a716-446655440000", {"name": "x"}, READ),
        ("DELETE", "/550e8400-e29b-41d4-a716-446655440000", None, READ),
    ],
)
async def test_token_without_the_route_scope_gets_403_naming_it(
    client: Client, site: str, db: Database, method: str, suffix: str, body: Any, needs: str
) -> None:
    # ``needs`` is the only scope the token has: the route wants the other one.
    secret = await make_token(db, needs)
    missing = READ if needs == WRITE else WRITE
    response = await call(client, method, goals_url(site) + suffix, body, bearer(secret))
    assert response.status_code == 403
    assert response.json() == error(
        "forbidden", f"this token lacks the {missing} scope", {"scope": missing}
    )


async def test_unknown_site_and_unseen_site_get_the_same_404(
    client: Client, site: str, db: Database
) -> None:
    other = await make_site(db, "sk_other")
    limited = await make_token(db, READ, WRITE, sites=[site])
    unseen = await client.get(goals_url(other), headers=bearer(limited))
    missing = await client.get(goals_url("sk_nowhere"), headers=bearer(limited))
    assert unseen.status_code == missing.status_code == 404
    assert unseen.json() == missing.json() == error("not_found", "site not found")
    assert (await client.get(goals_url(site), headers=bearer(limited))).status_code == 200


async def test_token_limited_to_site_a_cannot_touch_site_b_goals(
    client: Client, site: str, token: str, db: Database
) -> None:
    other = await make_site(db, "sk_other")
    goal = await create(client, other, token)
    limited = await make_token(db, READ, WRITE, sites=[site])
    url = f"{goals_url(other)}/{goal['id']}"
    assert (await client.patch(url, json={"name": "x"}, headers=bearer(limited))).status_code == 404
    assert (await client.delete(url, headers=bearer(limited))).status_code == 404
    assert (
        await client.post(goals_url(other), json=goal_body(name="y"), headers=bearer(limited))
    ).status_code == 404
    still = await client.get(url, headers=bearer(token))
    assert still.json() == {"data": goal}


@pytest.mark.parametrize(
    "key", ["..", "sk_abc123def456%2F..", "..%2F..%2Fetc%2Fpasswd", "a" * 300, "%00"]
)
async def test_odd_site_keys_are_404(client: Client, token: str, key: str) -> None:
    response = await client.get(goals_url(key), headers=bearer(token))
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


# --- lost updates -------------------------------------------------------------


async def test_stale_if_match_is_412_and_changes_nothing(
    client: Client, site: str, token: str
) -> None:
    goal = await create(client, site, token)
    url = f"{goals_url(site)}/{goal['id']}"
    first = await client.patch(
        url, json={"name": "A"}, headers={**bearer(token), "If-Match": '"v1"'}
    )
    assert first.status_code == 200
    stale = await client.patch(
        url, json={"name": "B"}, headers={**bearer(token), "If-Match": '"v1"'}
    )
    assert stale.status_code == 412
    assert stale.json() == error(
        "precondition_failed", "the goal was changed since you read it; read it again"
    )
    stale_delete = await client.delete(url, headers={**bearer(token), "If-Match": '"v1"'})
    assert stale_delete.status_code == 412
    current = await client.get(url, headers=bearer(token))
    assert current.json()["data"]["name"] == "A"
    fresh = await client.delete(url, headers={**bearer(token), "If-Match": current.headers["etag"]})
    assert fresh.status_code == 200


async def test_garbage_if_match_is_412(client: Client, site: str, token: str) -> None:
    goal = await create(client, site, token)
    response = await client.patch(
        f"{goals_url(site)}/{goal['id']}",
        json={"name": "x"},
        headers={**bearer(token), "If-Match": "whatever"},
    )
    assert response.status_code == 412


# --- errors never leak internals ---------------------------------------------


async def test_unknown_route_and_method_use_the_error_body(client: Client, token: str) -> None:
    missing = await client.get("/api/v1/nothing", headers=bearer(token))
    assert missing.status_code == 404
    assert missing.json() == error("not_found", "not found")
    wrong = await client.put(goals_url("sk_x"), headers=bearer(token))
    assert wrong.status_code == 405
    assert wrong.json()["error"]["code"] == "method_not_allowed"


async def test_sql_looking_values_are_stored_verbatim(
    client: Client, site: str, token: str
) -> None:
    value = "x'; DROP TABLE goals; --"
    goal = await create(client, site, token, name=value, match_value=value)
    listed = await client.get(goals_url(site), headers=bearer(token))
    assert listed.json() == {"data": [goal]}
    assert goal["name"] == value

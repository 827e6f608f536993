"""Hostile input: each gets its documented 4xx, and the data is as it was afterwards."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.helpers.http import Client, bearer, error, goal_body

SITE = "sk_abc123def456"
GOALS = f"/api/v1/analytics/sites/{SITE}/goals"


@pytest.fixture
async def existing(client: Client, site: str, token: str) -> list[dict[str, Any]]:
    """Two goals to watch, and the listing every hostile request must leave as it is."""
    for name in ("Signup", "Purchase"):
        response = await client.post(
            GOALS, json=goal_body(name=name, match_value=name.lower()), headers=bearer(token)
        )
        assert response.status_code == 201
    return await listing(client, token)


async def listing(client: Client, token: str) -> list[dict[str, Any]]:
    response = await client.get(GOALS, headers=bearer(token))
    assert response.status_code == 200
    goals: list[dict[str, Any]] = response.json()["data"]
    return goals


async def post_raw(client: Client, token: str, body: bytes, path: str = GOALS) -> Any:
    headers = {**bearer(token), "Content-Type": "application/json"}
    return await client.post(path, content=body, headers=headers)


async def test_a_body_over_the_limit_is_413(
    client: Client, token: str, existing: list[dict[str, Any]]
) -> None:
    body = json.dumps(goal_body(name="a" * 1_100_000)).encode()
    response = await post_raw(client, token, body)
    assert response.status_code == 413
    assert response.json() == error("payload_too_large", "Request Entity Too Large")
    assert await listing(client, token) == existing


@pytest.mark.parametrize(
    "body",
    [
        b'{"name":' + b"[" * 100_000 + b"]" * 100_000 + b"}",
        b'{"name":' + b'{"a":' * 20_000 + b"1" + b"}" * 20_000 + b"}",
    ],
    ids=["arrays", "objects"],
)
async def test_deeply_nested_json_is_400_not_500(
    client: Client, token: str, existing: list[dict[str, Any]], body: bytes
) -> None:
    response = await post_raw(client, token, body)
    assert response.status_code == 400
    assert response.json() == error("bad_request", "the JSON body is nested too deeply")
    assert await listing(client, token) == existing


async def test_moderately_nested_json_in_a_field_is_422(
    client: Client, token: str, existing: list[dict[str, Any]]
) -> None:
    body = b'{"name":' + b"[" * 500 + b"]" * 500 + b',"type":"event","match_type":"exact"}'
    response = await post_raw(client, token, body)
    assert response.status_code == 422
    assert response.json()["error"]["fields"]["name"] == "must be a string"
    assert await listing(client, token) == existing


async def test_a_huge_array_is_422(
    client: Client, token: str, existing: list[dict[str, Any]]
) -> None:
    body = json.dumps(goal_body(name=[0] * 150_000)).encode()
    response = await post_raw(client, token, body)
    assert response.status_code == 422
    assert response.json() == error(
        "validation_error", "the request is not valid", {"name": "must be a string"}
    )
    assert await listing(client, token) == existing


@pytest.mark.parametrize(
    ("pattern", "fault"),
    [
        ("(a)\\1", "not a valid RE2 regular expression: invalid escape sequence: \\1"),
        ("(?=x)y", "not a valid RE2 regular expression: invalid perl operator: (?="),
        ("(?<!x)y", "not a valid RE2 regular expression: invalid perl operator: (?<!"),
        ("a{1001}", "not a valid RE2 regular expression: invalid repetition size: {1001}"),
        ("(", "not a valid RE2 regular expression: missing ): ("),
    ],
)
async def test_regexes_re2_rejects_are_422(
    client: Client, token: str, existing: list[dict[str, Any]], pattern: str, fault: str
) -> None:
    response = await client.post(
        GOALS, json=goal_body(match_type="regex", match_value=pattern), headers=bearer(token)
    )
    assert response.status_code == 422
    assert response.json() == error(
        "validation_error", "the goal is not valid", {"match_value": fault}
    )
    patch = await client.patch(
        f"{GOALS}/{existing[0]['id']}",
        json={"match_type": "regex", "match_value": pattern},
        headers=bearer(token),
    )
    assert patch.status_code == 422
    assert await listing(client, token) == existing


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", "Sign\x00up"),
        ("name", "Sign\x1bup"),
        ("name", "Sign\nup"),
        ("name", "Sign\x7fup"),
        ("match_value", "sign\rup"),
        ("match_value", "\x85signup"),
    ],
)
async def test_control_characters_are_422(
    client: Client, token: str, existing: list[dict[str, Any]], field: str, value: str
) -> None:
    response = await client.post(GOALS, json=goal_body(**{field: value}), headers=bearer(token))
    assert response.status_code == 422
    assert response.json() == error(
        "validation_error", "the goal is not valid", {field: "must not contain control characters"}
    )
    assert await listing(client, token) == existing


@pytest.mark.parametrize(
    ("name", "stored"),
    [
        ("Inscription ✓ 🎉", "Inscription ✓ 🎉"),
        ("登録完了", "登録完了"),
        ("Zürich \u2013 Ångström", "Zürich \u2013 Ångström"),  # an en dash
        ("مرحبا", "مرحبا"),
        # A combining accent is not a control character; the name is kept in
        # NFKC form (the accent composed), the match value exactly as sent.
        ("e\u0301clair", "\u00e9clair"),
    ],
)
async def test_unicode_names_are_stored_and_returned_exactly(
    client: Client, token: str, existing: list[dict[str, Any]], name: str, stored: str
) -> None:
    response = await client.post(
        GOALS, json=goal_body(name=name, match_value=name), headers=bearer(token)
    )
    assert response.status_code == 201
    created = response.json()["data"]
    assert (created["name"], created["match_value"]) == (stored, name)
    assert await listing(client, token) == [*existing, created]


@pytest.mark.parametrize(
    "text",
    [
        "x'); DROP TABLE goals; --",
        "' OR '1'='1",
        '"; DELETE FROM sites WHERE "1"="1',
        "1; UPDATE api_tokens SET revoked_at = NULL",
        "%' AND 1=0 UNION SELECT secret_hash FROM api_tokens --",
    ],
)
async def test_sql_looking_strings_are_just_text(
    client: Client, token: str, existing: list[dict[str, Any]], text: str
) -> None:
    response = await client.post(
        GOALS, json=goal_body(name=text, match_value=text), headers=bearer(token)
    )
    assert response.status_code == 201
    created = response.json()["data"]
    assert (created["name"], created["match_value"]) == (text, text)
    assert await listing(client, token) == [*existing, created]
    fetched = await client.get(f"{GOALS}/{created['id']}", headers=bearer(token))
    assert fetched.json()["data"] == created


@pytest.mark.parametrize(
    "site_key",
    [
        "..%2F..%2Fetc%2Fpasswd",
        "..",
        "%2E%2E",
        "sk_abc123def456%00",
        "sk_abc123def456%2F..",
        "sk_abc123def456'--",
        "%252E%252E%252F",
        "sk_" + "a" * 5000,
    ],
)
async def test_path_traversal_in_site_keys_is_404(
    client: Client, token: str, existing: list[dict[str, Any]], site_key: str
) -> None:
    url = f"/api/v1/analytics/sites/{site_key}/goals"
    for method in ("GET", "POST"):
        response = await client.request(method, url, json=goal_body(), headers=bearer(token))
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"
    assert await listing(client, token) == existing


@pytest.mark.parametrize(
    "goal_id",
    [
        "..%2F..%2Fetc%2Fpasswd",
        "%00",
        "..",
        "{id}' OR '1'='1",
        "{id}%00",
        "{id}%2F..%2F{id}",
        "{upper}",
        "{id}x",
    ],
)
async def test_odd_goal_ids_are_404_and_change_nothing(
    client: Client, token: str, existing: list[dict[str, Any]], goal_id: str
) -> None:
    real = existing[0]["id"]
    target = goal_id.format(id=real, upper=real.upper())
    url = f"{GOALS}/{target}"
    for method, body in (("GET", None), ("PATCH", {"name": "Hijacked"}), ("DELETE", None)):
        response = await client.request(method, url, json=body, headers=bearer(token))
        assert response.status_code == 404, (method, target)
        assert response.json()["error"]["code"] == "not_found"
    assert await listing(client, token) == existing

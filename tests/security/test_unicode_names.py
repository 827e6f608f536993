"""Goal names people cannot tell apart are one name; text no database takes is refused.

Issue #11: a lone surrogate in a GraphQL variable (``"\\ud800"``) reached the
database and answered "Unexpected error." (REST refuses it while decoding the
JSON body, with a 400); zero-width and bidi control characters made look-alike
names that passed the unique-name rule. The domain rule, shared by both faces,
now keeps names in NFKC form, refuses format characters (Unicode category Cf)
in names, and refuses lone surrogates in names and match values.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.helpers.http import Client, bearer, error, goal_body

SITE = "sk_abc123def456"
GOALS = f"/api/v1/analytics/sites/{SITE}/goals"

SURROGATE = "must not contain lone surrogates (it is not valid Unicode text)"
FORMAT = "must not contain invisible format characters (zero-width, bidi controls)"

CREATE = """
mutation($site: String!, $input: CreateGoalInput!) {
  createGoal(siteKey: $site, input: $input) {
    goal { name matchValue }
    userErrors { code field message }
  }
}
"""
UPDATE = """
mutation($site: String!, $id: ID!, $input: UpdateGoalInput!) {
  updateGoal(siteKey: $site, id: $id, input: $input) {
    goal { name }
    userErrors { code field message }
  }
}
"""
PREVIEW = """
query($site: String!, $input: GoalMatchInput!) {
  previewGoal(siteKey: $site, input: $input) {
    stats { conversions }
    userErrors { code field message }
  }
}
"""


async def graphql(
    client: Client, token: str, query: str, variables: dict[str, Any]
) -> dict[str, Any]:
    # Encoded here, ASCII only: a lone surrogate goes as the \ud800 escape,
    # exactly what a hostile client writes by hand (UTF-8 cannot carry it).
    response = await client.post(
        "/graphql",
        content=json.dumps({"query": query, "variables": variables}),
        headers={**bearer(token), "Content-Type": "application/json"},
    )
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


def graphql_input(**overrides: Any) -> dict[str, Any]:
    return {
        "name": "Signup",
        "type": "EVENT",
        "matchType": "EXACT",
        "matchValue": "signup",
        **overrides,
    }


async def names(client: Client, token: str) -> list[str]:
    response = await client.get(GOALS, headers=bearer(token))
    assert response.status_code == 200
    return [goal["name"] for goal in response.json()["data"]]


async def create_rest(client: Client, token: str, name: str) -> Any:
    return await client.post(
        GOALS, json=goal_body(name=name, match_value=name.lower()), headers=bearer(token)
    )


# --- lone surrogates ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [("name", "\ud800"), ("name", "Sign\udfffup"), ("matchValue", "\udc00signup")],
)
async def test_a_lone_surrogate_in_create_goal_is_an_invalid_user_error(
    client: Client, site: str, token: str, field: str, value: str
) -> None:
    body = await graphql(
        client, token, CREATE, {"site": site, "input": graphql_input(**{field: value})}
    )
    assert body == {
        "data": {
            "createGoal": {
                "goal": None,
                "userErrors": [
                    {"code": "INVALID", "field": ["input", field], "message": SURROGATE}
                ],
            }
        }
    }
    assert await names(client, token) == []


async def test_a_lone_surrogate_in_update_goal_is_an_invalid_user_error(
    client: Client, site: str, token: str
) -> None:
    created = await graphql(client, token, CREATE, {"site": site, "input": graphql_input()})
    assert created["data"]["createGoal"]["userErrors"] == []
    listing = await client.get(GOALS, headers=bearer(token))
    goal_id = listing.json()["data"][0]["id"]
    body = await graphql(
        client, token, UPDATE, {"site": site, "id": goal_id, "input": {"name": "\ud800"}}
    )
    assert body == {
        "data": {
            "updateGoal": {
                "goal": None,
                "userErrors": [
                    {"code": "INVALID", "field": ["input", "name"], "message": SURROGATE}
                ],
            }
        }
    }
    assert await names(client, token) == ["Signup"]


async def test_a_lone_surrogate_in_preview_goal_is_an_invalid_user_error(
    client: Client, site: str, token: str
) -> None:
    match = {"type": "EVENT", "matchType": "CONTAINS", "matchValue": "\ud800"}
    body = await graphql(client, token, PREVIEW, {"site": site, "input": match})
    assert body == {
        "data": {
            "previewGoal": {
                "stats": None,
                "userErrors": [
                    {"code": "INVALID", "field": ["input", "matchValue"], "message": SURROGATE}
                ],
            }
        }
    }


async def test_rest_refuses_a_lone_surrogate_while_decoding_the_body(
    client: Client, site: str, token: str
) -> None:
    body = b'{"name":"\\ud800","type":"event","match_type":"exact","match_value":"x"}'
    response = await client.post(
        GOALS, content=body, headers={**bearer(token), "Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json() == error(
        "bad_request",
        "JSON is malformed: unexpected end of escaped utf-16 surrogate pair (byte 15)",
    )
    assert await names(client, token) == []


# (the variable's type, the field using it, what the error says of its value)
ECHOING_VARIABLES = [
    pytest.param(
        "Dimension!",
        "breakdown(by: $v) { nodes { value } }",
        "Value '\ud800' does not exist in 'Dimension' enum.",
        id="enum",
    ),
    pytest.param(
        "StatsPeriod",
        "stats(period: $v) { conversions }",
        "Value '\ud800' does not exist in 'StatsPeriod' enum.",
        id="period",
    ),
    pytest.param(
        "Date",
        "stats(from: $v) { conversions }",
        "Value cannot represent a Date: \"\ud800\". Invalid isoformat string: '\\ud800'",
        id="date",
    ),
]


@pytest.mark.parametrize(("type_", "field", "detail"), ECHOING_VARIABLES)
@pytest.mark.parametrize("with_token", [False, True], ids=["anonymous", "with a token"])
async def test_a_lone_surrogate_echoed_in_a_variable_error_is_escaped_not_a_500(
    client: Client, site: str, token: str, type_: str, field: str, detail: str, with_token: bool
) -> None:
    """Issue #20 (found by the fuzz run): graphql-core's error about a variable
    quotes its value, and msgspec cannot encode a lone surrogate: every such
    request answered 500. The answer escapes it as the client did."""
    query = f'query($v: {type_}) {{ goal(siteKey: "{site}", id: "x") {{ {field} }} }}'
    body = json.dumps({"query": query, "variables": {"v": "\ud800"}}).encode()
    headers = {"Content-Type": "application/json", **(bearer(token) if with_token else {})}
    response = await client.post("/graphql", content=body, headers=headers)
    assert response.status_code == 200
    assert b"\\ud800" in response.content
    assert response.json() == {
        "errors": [
            {
                "message": f"Variable '$v' has invalid value: {detail}",
                "locations": [{"line": 1, "column": 7}],
                "extensions": {"code": "BAD_USER_INPUT"},
            }
        ]
    }


# --- invisible characters and look-alikes -------------------------------------------

INVISIBLE = [
    "Sign\u200bup",  # zero-width space
    "Sign\u200dup",  # zero-width joiner
    "Signup\u202e",  # right-to-left override
    "\u2066Signup\u2069",  # left-to-right isolate ... pop directional isolate
    "\ufeffSignup",  # byte order mark / zero-width no-break space
    "Sign\u00adup",  # soft hyphen
]


@pytest.mark.parametrize("name", INVISIBLE)
async def test_rest_refuses_a_name_with_an_invisible_format_character(
    client: Client, site: str, token: str, name: str
) -> None:
    assert (await create_rest(client, token, "Signup")).status_code == 201
    response = await create_rest(client, token, name)
    assert response.status_code == 422
    assert response.json() == error("validation_error", "the goal is not valid", {"name": FORMAT})
    assert await names(client, token) == ["Signup"]


@pytest.mark.parametrize("name", INVISIBLE)
async def test_graphql_refuses_a_name_with_an_invisible_format_character(
    client: Client, site: str, token: str, name: str
) -> None:
    assert (await create_rest(client, token, "Signup")).status_code == 201
    body = await graphql(client, token, CREATE, {"site": site, "input": graphql_input(name=name)})
    assert body["data"]["createGoal"] == {
        "goal": None,
        "userErrors": [{"code": "INVALID", "field": ["input", "name"], "message": FORMAT}],
    }
    assert await names(client, token) == ["Signup"]


async def test_renaming_to_a_name_with_a_bidi_override_is_422(
    client: Client, site: str, token: str
) -> None:
    created = await create_rest(client, token, "Signup")
    response = await client.patch(
        f"{GOALS}/{created.json()['data']['id']}",
        json={"name": "\u202epusgiS"},
        headers=bearer(token),
    )
    assert response.status_code == 422
    assert response.json() == error("validation_error", "the goal is not valid", {"name": FORMAT})
    assert await names(client, token) == ["Signup"]


@pytest.mark.parametrize(
    ("existing", "look_alike"),
    [
        ("Signup", "\uff33\uff49\uff47\uff4e\uff55\uff50"),  # full-width letters
        ("finance", "\ufb01nance"),  # the fi ligature
        ("Sign up", "Sign\u00a0up"),  # a no-break space
        ("\u00e9clair", "e\u0301clair"),  # e + combining acute accent
    ],
)
async def test_a_compatibility_look_alike_is_the_same_name_on_both_faces(
    client: Client, site: str, token: str, existing: str, look_alike: str
) -> None:
    assert (await create_rest(client, token, existing)).status_code == 201
    response = await create_rest(client, token, look_alike)
    assert response.status_code == 409
    assert response.json() == error(
        "conflict", f"a goal named {existing!r} exists already on this site", {"name": "taken"}
    )
    body = await graphql(
        client, token, CREATE, {"site": site, "input": graphql_input(name=look_alike)}
    )
    assert body["data"]["createGoal"] == {
        "goal": None,
        "userErrors": [
            {
                "code": "TAKEN",
                "field": ["input", "name"],
                "message": f"a goal named {existing!r} exists already on this site",
            }
        ],
    }
    assert await names(client, token) == [existing]


async def test_names_are_stored_in_nfkc_form_and_match_values_as_sent(
    client: Client, site: str, token: str
) -> None:
    response = await client.post(
        GOALS,
        json=goal_body(name="\u3000\ufb01nance\uff01 ", match_value="\ufb01nance"),
        headers=bearer(token),
    )
    assert response.status_code == 201
    created = response.json()["data"]
    assert (created["name"], created["match_value"]) == ("finance!", "\ufb01nance")
    body = await graphql(
        client,
        token,
        CREATE,
        {"site": site, "input": graphql_input(name="\uff33ignup", matchValue="\u200dsignup")},
    )
    # A match value may hold format characters: it matches what events carry.
    assert body["data"]["createGoal"] == {
        "goal": {"name": "Signup", "matchValue": "\u200dsignup"},
        "userErrors": [],
    }

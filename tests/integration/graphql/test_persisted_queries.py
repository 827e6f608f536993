"""Automatic persisted queries (Apollo's protocol, version 1) over POST and GET."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
from graphql import parse
from litestar import Litestar
from litestar.testing import AsyncTestClient
from redis.asyncio import Redis

from goalgate.app import create_app
from goalgate.services import documents
from goalgate.settings import Settings
from tests.helpers.http import Client, bearer

SITE = "query SiteKey($key: String!) { site(key: $key) { key domain } }"
SITE_HASH = hashlib.sha256(SITE.encode()).hexdigest()
NOT_FOUND = {
    "errors": [
        {"message": "PersistedQueryNotFound", "extensions": {"code": "PERSISTED_QUERY_NOT_FOUND"}}
    ]
}
NOT_SUPPORTED = {
    "errors": [
        {
            "message": "PersistedQueryNotSupported",
            "extensions": {"code": "PERSISTED_QUERY_NOT_SUPPORTED"},
        }
    ]
}
NO_CACHE = "private, no-cache, must-revalidate"
JSON = "application/json"
GRAPHQL_RESPONSE = "application/graphql-response+json"


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def persisted(sha: str, version: Any = 1) -> dict[str, Any]:
    return {"persistedQuery": {"version": version, "sha256Hash": sha}}


async def post(
    client: Client, token: str | None, accept: str = JSON, **body: Any
) -> tuple[int, dict[str, Any], dict[str, str]]:
    headers = {"Accept": accept, **(bearer(token) if token else {})}
    response = await client.post("/graphql", json=body, headers=headers)
    return response.status_code, response.json(), dict(response.headers)


async def get(
    client: Client, token: str | None, **params: Any
) -> tuple[int, dict[str, Any], dict[str, str]]:
    query = {
        name: json.dumps(value) if isinstance(value, dict) else value
        for name, value in params.items()
    }
    headers = {"Accept": JSON, **(bearer(token) if token else {})}
    response = await client.get("/graphql", params=query, headers=headers)
    return response.status_code, response.json(), dict(response.headers)


def site_data(site: str) -> dict[str, Any]:
    return {"data": {"site": {"key": site, "domain": "example.com"}}}


@pytest.mark.parametrize("accept", [JSON, GRAPHQL_RESPONSE])
async def test_an_unknown_hash_alone_is_persisted_query_not_found_200(
    client: Client, token: str, accept: str
) -> None:
    status, body, headers = await post(
        client, token, accept, extensions=persisted(SITE_HASH), variables={"key": "x"}
    )
    assert (status, body) == (200, NOT_FOUND)
    assert headers["cache-control"] == NO_CACHE
    assert headers["content-type"] == f"{accept}; charset=utf-8"


async def test_an_unknown_hash_over_get_is_not_found_too(client: Client, token: str) -> None:
    status, body, headers = await get(client, token, extensions=persisted(SITE_HASH))
    assert (status, body) == (200, NOT_FOUND)
    assert headers["cache-control"] == NO_CACHE


async def test_hash_and_query_run_and_register_then_the_hash_alone_runs_it(
    client: Client, site: str, token: str
) -> None:
    variables = {"key": site}
    status, body, headers = await post(
        client, token, query=SITE, variables=variables, extensions=persisted(SITE_HASH)
    )
    assert (status, body) == (200, site_data(site))
    assert "cache-control" not in headers
    # POST, and GET (what a CDN may cache), by the hash alone.
    status, body, _ = await post(
        client, token, variables=variables, extensions=persisted(SITE_HASH)
    )
    assert (status, body) == (200, site_data(site))
    status, body, _ = await get(
        client, token, variables=json.dumps(variables), extensions=persisted(SITE_HASH)
    )
    assert (status, body) == (200, site_data(site))
    # A hash in capitals names the same document.
    upper = persisted(SITE_HASH.upper())
    status, body, _ = await post(client, token, variables=variables, extensions=upper)
    assert (status, body) == (200, site_data(site))


async def test_registration_over_get_works_as_over_post(
    client: Client, site: str, token: str
) -> None:
    variables = json.dumps({"key": site})
    status, body, _ = await get(
        client, token, query=SITE, variables=variables, extensions=persisted(SITE_HASH)
    )
    assert (status, body) == (200, site_data(site))
    status, body, _ = await get(client, token, variables=variables, extensions=persisted(SITE_HASH))
    assert (status, body) == (200, site_data(site))


async def test_a_wrong_hash_is_a_400_hash_mismatch_and_nothing_is_stored(
    client: Client, site: str, token: str
) -> None:
    wrong = sha256("something else")
    status, body, _ = await post(
        client, token, query=SITE, variables={"key": site}, extensions=persisted(wrong)
    )
    assert status == 400
    assert body == {
        "errors": [
            {
                "message": "extensions.persistedQuery.sha256Hash is not the SHA-256 of the query",
                "extensions": {"code": "PERSISTED_QUERY_HASH_MISMATCH"},
            }
        ]
    }
    for sha in (wrong, SITE_HASH):
        status, body, _ = await post(client, token, extensions=persisted(sha))
        assert (status, body) == (200, NOT_FOUND)


@pytest.mark.parametrize(
    "extensions",
    [
        pytest.param(persisted(SITE_HASH, version=2), id="version-2"),
        pytest.param(persisted(SITE_HASH, version="1"), id="version-as-string"),
        pytest.param(persisted(SITE_HASH, version=True), id="version-true"),
        pytest.param(persisted(SITE_HASH, version=None), id="no-version"),
        pytest.param({"persistedQuery": "abc"}, id="not-an-object"),
        pytest.param({"persistedQuery": None}, id="null"),
    ],
)
async def test_other_versions_are_persisted_query_not_supported(
    client: Client, token: str, extensions: dict[str, Any]
) -> None:
    for query in (None, SITE):
        body: dict[str, Any] = {"extensions": extensions, "variables": {"key": "x"}}
        if query is not None:
            body["query"] = query
        status, answer, headers = await post(client, token, **body)
        assert (status, answer) == (200, NOT_SUPPORTED)
        assert headers["cache-control"] == NO_CACHE


@pytest.mark.parametrize("sha", ["abc", "g" * 64, SITE_HASH + "0", 12, None])
async def test_a_malformed_hash_is_a_400_bad_request(client: Client, token: str, sha: Any) -> None:
    status, body, _ = await post(client, token, extensions=persisted(sha))
    assert status == 400
    assert [error["extensions"]["code"] for error in body["errors"]] == ["BAD_REQUEST"]


@pytest.mark.parametrize(
    ("document", "code"),
    [
        ("query { site(key: 1) { key } }", "GRAPHQL_VALIDATION_FAILED"),
        ("query { unknownField }", "GRAPHQL_VALIDATION_FAILED"),
        ("query {", "GRAPHQL_PARSE_FAILED"),
    ],
)
async def test_a_document_that_does_not_validate_is_answered_but_not_stored(
    client: Client, token: str, document: str, code: str
) -> None:
    sha = sha256(document)
    status, body, _ = await post(client, token, query=document, extensions=persisted(sha))
    assert status == 200
    assert [error["extensions"]["code"] for error in body["errors"]] == [code]
    status, body, _ = await post(client, token, extensions=persisted(sha))
    assert (status, body) == (200, NOT_FOUND)


async def test_a_known_mutation_runs_over_post_never_over_get(
    client: Client, site: str, token: str
) -> None:
    mutation = (
        'mutation Create($site: String!) { createGoal(siteKey: $site, input: {name: "A", '
        'type: EVENT, matchType: EXACT, matchValue: "a"}) { goal { name } userErrors { code } } }'
    )
    sha = sha256(mutation)
    variables = {"site": site}
    # Registering it over GET is refused as any mutation over GET, and stores nothing.
    status, body, headers = await get(
        client, token, query=mutation, variables=json.dumps(variables), extensions=persisted(sha)
    )
    assert status == 405
    assert headers["allow"] == "POST"
    status, body, _ = await post(client, token, variables=variables, extensions=persisted(sha))
    assert (status, body) == (200, NOT_FOUND)
    status, body, _ = await post(
        client, token, query=mutation, variables=variables, extensions=persisted(sha)
    )
    assert body == {"data": {"createGoal": {"goal": {"name": "A"}, "userErrors": []}}}
    status, body, headers = await get(
        client, token, variables=json.dumps(variables), extensions=persisted(sha)
    )
    assert status == 405
    assert headers["allow"] == "POST"
    assert [error["extensions"]["code"] for error in body["errors"]] == ["METHOD_NOT_ALLOWED"]


async def test_a_known_document_is_not_parsed_again(
    client: Client, app: Litestar, site: str, token: str
) -> None:
    variables = {"key": site}
    await post(client, token, query=SITE, variables=variables, extensions=persisted(SITE_HASH))
    await post(client, token, variables=variables, extensions=persisted(SITE_HASH))
    known = app.state.runtime.documents.local.known(SITE_HASH)
    assert known is not None
    assert known.text == SITE
    first = known.parsed
    assert first is not None
    await post(client, token, variables=variables, extensions=persisted(SITE_HASH))
    assert known.parsed is first
    # What runs is the document kept with the hash, not a new parse of its text:
    # swapped for another one, the other one answers.
    known.parsed = parse("query SiteKey($key: String!) { site(key: $key) { timezone } }")
    status, body, _ = await post(
        client, token, variables=variables, extensions=persisted(SITE_HASH)
    )
    assert (status, body) == (200, {"data": {"site": {"timezone": "UTC"}}})


async def test_the_hash_alone_still_needs_a_token_for_what_needs_one(
    client: Client, site: str, token: str
) -> None:
    await post(client, token, query=SITE, variables={"key": site}, extensions=persisted(SITE_HASH))
    status, body, _ = await post(
        client, None, variables={"key": site}, extensions=persisted(SITE_HASH)
    )
    assert status == 200
    assert body["data"] == {"site": None}
    assert [error["extensions"]["code"] for error in body["errors"]] == ["UNAUTHENTICATED"]


async def test_without_query_or_hash_the_query_is_still_required(client: Client) -> None:
    response = await client.post("/graphql", json={"extensions": {"other": 1}})
    assert response.status_code == 400
    assert response.json() == {
        "errors": [
            {"message": "the query parameter is required", "extensions": {"code": "BAD_REQUEST"}}
        ]
    }


# --- across workers: Redis ------------------------------------------------------


async def test_with_redis_a_document_one_worker_learnt_runs_on_another(
    settings: Settings, redis_url: str, site: str, token: str
) -> None:
    shared = settings.model_copy(update={"redis_url": redis_url})
    variables = {"key": site}
    async with (
        AsyncTestClient(app=create_app(shared)) as first,
        AsyncTestClient(app=create_app(shared)) as second,
    ):
        status, body, _ = await post(
            second, token, variables=variables, extensions=persisted(SITE_HASH)
        )
        assert (status, body) == (200, NOT_FOUND)
        status, body, _ = await post(
            first, token, query=SITE, variables=variables, extensions=persisted(SITE_HASH)
        )
        assert (status, body) == (200, site_data(site))
        status, body, _ = await get(
            second, token, variables=json.dumps(variables), extensions=persisted(SITE_HASH)
        )
        assert (status, body) == (200, site_data(site))
    redis = Redis.from_url(redis_url)
    try:
        key = f"goalgate:document:{SITE_HASH}"
        assert await redis.get(key) == SITE.encode()
        assert 0 < await redis.ttl(key) <= documents.REDIS_TTL_S
    finally:
        await redis.aclose()


async def test_a_failing_redis_is_a_miss_and_the_process_keeps_its_own(
    settings: Settings, site: str, token: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The app configures logging itself; its warnings are seen where they are written.
    warnings: list[str] = []
    monkeypatch.setattr(
        documents.log, "warning", lambda message, *args, **kwargs: warnings.append(message)
    )
    # Nothing listens on port 1.
    broken = settings.model_copy(update={"redis_url": "redis://127.0.0.1:1/0"})
    variables = {"key": site}
    async with AsyncTestClient(app=create_app(broken)) as client:
        status, body, _ = await post(
            client, token, variables=variables, extensions=persisted(SITE_HASH)
        )
        assert (status, body) == (200, NOT_FOUND)
        status, body, _ = await post(
            client, token, query=SITE, variables=variables, extensions=persisted(SITE_HASH)
        )
        assert (status, body) == (200, site_data(site))
        status, body, _ = await post(
            client, token, variables=variables, extensions=persisted(SITE_HASH)
        )
        assert (status, body) == (200, site_data(site))
    assert warnings == [
        "persisted documents: Redis failed; read as a miss",
        "persisted documents: Redis failed; kept in this process",
    ]

"""Trusted documents (GOALGATE_GRAPHQL_TRUSTED_DOCUMENTS): only the manifest's documents
run, named by id or by their exact text; anything else is refused before it is parsed."""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from goalgate.app import create_app
from goalgate.settings import Settings
from goalgate.storage.db import Database
from tests.helpers.data import make_site, make_token
from tests.helpers.http import Client, bearer
from tests.helpers.server import serving
from tests.helpers.ws import opened, run

SITE = "query SiteKey($key: String!) { site(key: $key) { key } }"
CREATE = (
    'mutation Create($site: String!) { createGoal(siteKey: $site, input: {name: "A", '
    'type: EVENT, matchType: EXACT, matchValue: "a"}) { goal { name } } }'
)
# Ids as graphql-codegen's client preset writes them by default: sha1 of the text.
SITE_ID = hashlib.sha1(SITE.encode()).hexdigest()  # noqa: S324  (an id, not a secret)
CREATE_ID = hashlib.sha1(CREATE.encode()).hexdigest()  # noqa: S324
SITE_SHA256 = hashlib.sha256(SITE.encode()).hexdigest()
KEY = "sk_abc123def456"
ANSWER = {"data": {"site": {"key": KEY}}}
NOT_IN_LIST = {
    "errors": [
        {
            "message": "this server runs trusted documents only "
            "(GOALGATE_GRAPHQL_TRUSTED_DOCUMENTS), and this document is not one of them",
            "extensions": {"code": "PERSISTED_QUERY_NOT_IN_LIST"},
        }
    ]
}
NOT_FOUND = {
    "errors": [
        {"message": "PersistedQueryNotFound", "extensions": {"code": "PERSISTED_QUERY_NOT_FOUND"}}
    ]
}


@pytest.fixture
def manifest(tmp_path: Path) -> Path:
    path = tmp_path / "persisted-documents.json"
    path.write_text(json.dumps({SITE_ID: SITE, CREATE_ID: CREATE}))
    return path


@pytest.fixture
async def trusted(settings: Settings, manifest: Path) -> AsyncIterator[Client]:
    app = create_app(settings.model_copy(update={"graphql_trusted_documents": manifest}))
    async with AsyncTestClient(app=app) as client:
        yield client


@pytest.fixture
async def token(db: Database) -> str:
    await make_site(db, KEY)
    return await make_token(db)


async def post(client: Client, token: str, accept: str = "application/json", **body: Any) -> Any:
    body.setdefault("variables", {"key": KEY})
    headers = {"Accept": accept, **bearer(token)}
    response = await client.post("/graphql", json=body, headers=headers)
    return response.status_code, response.json()


@pytest.mark.parametrize(
    "named",
    [
        pytest.param({"documentId": SITE_ID}, id="documentId"),
        pytest.param({"documentId": f"sha256:{SITE_SHA256}"}, id="documentId-sha256-prefix"),
        pytest.param({"doc_id": SITE_ID}, id="doc_id"),
        pytest.param({"id": SITE_ID}, id="id"),
        pytest.param(
            {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": SITE_ID}}},
            id="persisted-query-with-the-manifest-id",
        ),
        pytest.param(
            {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": SITE_SHA256}}},
            id="persisted-query-with-the-sha256",
        ),
        pytest.param({"query": SITE}, id="exact-text"),
    ],
)
async def test_a_trusted_document_runs_by_id_or_by_text(
    trusted: Client, token: str, named: dict[str, Any]
) -> None:
    assert await post(trusted, token, **named) == (200, ANSWER)


async def test_a_trusted_document_runs_by_id_over_get(trusted: Client, token: str) -> None:
    response = await trusted.get(
        "/graphql",
        params={"documentId": SITE_ID, "variables": json.dumps({"key": KEY})},
        headers={"Accept": "application/json", **bearer(token)},
    )
    assert (response.status_code, response.json()) == (200, ANSWER)


@pytest.mark.parametrize(
    ("accept", "status"),
    [("application/json", 200), ("application/graphql-response+json", 400)],
)
async def test_any_other_document_is_refused_not_in_list(
    trusted: Client, token: str, accept: str, status: int
) -> None:
    for other in (
        "query SiteKey($key: String!) { site(key: $key) { domain } }",
        SITE + " ",  # not exactly the text
        "{",  # refused before it is parsed: no syntax error
        "{ __schema { types { name } } }",
    ):
        assert await post(trusted, token, accept, query=other) == (status, NOT_IN_LIST), other


async def test_an_unknown_id_is_not_found_and_apq_learns_nothing(
    trusted: Client, token: str
) -> None:
    other = "query Other { viewer { name } }"
    other_sha = hashlib.sha256(other.encode()).hexdigest()
    persisted = {"persistedQuery": {"version": 1, "sha256Hash": other_sha}}
    assert await post(trusted, token, documentId="nope") == (200, NOT_FOUND)
    assert await post(trusted, token, extensions=persisted) == (200, NOT_FOUND)
    # Apollo's fallback, the text with its hash: refused, and not stored.
    assert await post(trusted, token, query=other, extensions=persisted) == (200, NOT_IN_LIST)
    assert await post(trusted, token, extensions=persisted) == (200, NOT_FOUND)


async def test_a_trusted_mutation_runs_over_post_never_over_get(
    trusted: Client, token: str
) -> None:
    status, body = await post(trusted, token, documentId=CREATE_ID, variables={"site": KEY})
    assert (status, body) == (200, {"data": {"createGoal": {"goal": {"name": "A"}}}})
    response = await trusted.get(
        "/graphql",
        params={"documentId": CREATE_ID, "variables": json.dumps({"site": KEY})},
        headers={"Accept": "application/json", **bearer(token)},
    )
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"


async def test_a_document_id_must_be_a_string(trusted: Client, token: str) -> None:
    status, body = await post(trusted, token, documentId=12)
    assert status == 400
    assert body == {
        "errors": [
            {
                "message": "the documentId parameter must be a string",
                "extensions": {"code": "BAD_REQUEST"},
            }
        ]
    }


@pytest.mark.parametrize(
    "content",
    ["[]", '{"a": 1}', '{"a": ""}', "not json"],
)
def test_a_bad_manifest_stops_the_app_from_starting(
    settings: Settings, tmp_path: Path, content: str
) -> None:
    path = tmp_path / "manifest.json"
    path.write_text(content)
    with pytest.raises(ValueError, match="trusted documents at"):
        create_app(settings.model_copy(update={"graphql_trusted_documents": path}))
    with pytest.raises(ValueError, match="cannot read the trusted documents"):
        create_app(settings.model_copy(update={"graphql_trusted_documents": tmp_path / "no"}))


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_on_the_websocket_only_trusted_documents_run(
    database_url: str, db: Database, token: str, manifest: Path, tmp_path: Path
) -> None:
    env = {"GOALGATE_GRAPHQL_TRUSTED_DOCUMENTS": str(manifest)}
    async with (
        serving(database_url, tmp_path, **env) as server,
        opened(server.base_url, token) as socket,
    ):
        trusted = await run(socket, "1", SITE, {"key": KEY})
        assert trusted[0] == {"id": "1", "type": "next", "payload": ANSWER}
        for n, other in enumerate(
            [
                'subscription { conversions(siteKey: "sk_abc123def456") { goalId } }',
                "query Other { viewer { name } }",
            ]
        ):
            refused = await run(socket, f"x{n}", other)
            assert refused == [{"id": f"x{n}", "type": "error", "payload": NOT_IN_LIST["errors"]}]

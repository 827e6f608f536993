"""Live requests and responses, on both backends, checked against the served document.

openapi-core validates each request (its parameters, body and security) and
each response (status, headers, body) against /schema/openapi.json; the
tests also assert the exact statuses, headers and bodies themselves.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from litestar.testing import AsyncTestClient
from openapi_core import OpenAPI
from openapi_core.testing import MockRequest, MockResponse
from openapi_core.validation.request.exceptions import SecurityValidationError

from goalgate.app import create_app
from goalgate.settings import Settings
from goalgate.storage.db import Database
from tests.helpers.data import make_site, make_token
from tests.helpers.http import EVENTS_URL, Client, bearer, error, goal_body

SITE = "sk_abc123def456"
# Litestar writes "allowEmptyValue": false on every query parameter (it means the
# default); openapi-core warns that the keyword is deprecated in OpenAPI.
pytestmark = pytest.mark.filterwarnings(
    "ignore:Use of allowEmptyValue property is deprecated:DeprecationWarning"
)
GOALS = f"/api/v1/analytics/sites/{SITE}/goals"


async def served_document(client: Client) -> OpenAPI:
    response = await client.get("/schema/openapi.json")
    assert response.status_code == 200
    return OpenAPI.from_dict(response.json())


def check(api: OpenAPI, response: httpx.Response) -> None:
    """Raise unless both the request and the response are what the document says."""
    sent = response.request
    request = MockRequest(
        "http://testserver.local",
        sent.method,
        sent.url.path,
        args=dict(sent.url.params),
        headers=dict(sent.headers),
        data=sent.content or None,
        content_type=sent.headers.get("content-type", "application/json"),
    )
    api.validate_request(request)
    api.validate_response(
        request,
        MockResponse(
            response.content,
            status_code=response.status_code,
            headers=dict(response.headers),
            content_type=response.headers.get("content-type", ""),
        ),
    )


async def test_goal_routes_answer_as_documented(client: Client, db: Database) -> None:
    api = await served_document(client)
    await make_site(db, SITE)
    token = await make_token(db)

    created = await client.post(GOALS, json=goal_body(), headers=bearer(token))
    check(api, created)
    assert created.status_code == 201
    goal_id = created.json()["data"]["id"]
    assert created.json()["data"] == {
        "id": goal_id,
        "name": "Signup",
        "type": "event",
        "match_type": "exact",
        "match_value": "signup",
        "currency": None,
    }
    assert created.headers["etag"] == '"v1"'
    assert created.headers["ratelimit-limit"] == "600"

    listed = await client.get(GOALS, headers=bearer(token))
    check(api, listed)
    assert listed.status_code == 200
    assert listed.json() == {"data": [created.json()["data"]]}

    fetched = await client.get(f"{GOALS}/{goal_id}", headers=bearer(token))
    check(api, fetched)
    assert fetched.status_code == 200
    assert fetched.headers["etag"] == '"v1"'

    updated = await client.patch(
        f"{GOALS}/{goal_id}",
        json={"name": "Signed up"},
        headers={**bearer(token), "If-Match": '"v1"'},
    )
    check(api, updated)
    assert updated.status_code == 200
    assert updated.headers["etag"] == '"v2"'

    stale = await client.delete(f"{GOALS}/{goal_id}", headers={**bearer(token), "If-Match": '"v1"'})
    check(api, stale)
    assert stale.status_code == 412
    assert stale.json() == error(
        "precondition_failed", "the goal was changed since you read it; read it again"
    )


async def test_stats_preview_and_ingestion_answer_as_documented(
    client: Client, db: Database
) -> None:
    api = await served_document(client)
    await make_site(db, SITE)
    token = await make_token(db)
    created = await client.post(
        GOALS,
        json=goal_body(name="Purchase", type="custom", match_value="purchase", currency="USD"),
        headers=bearer(token),
    )
    goal_id = created.json()["data"]["id"]

    one = {
        "site": SITE,
        "type": "goal",
        "name": "purchase",
        "revenue": {"amount": "49.00", "currency": "USD"},
        "visitor_id": "v-1",
    }
    accepted = await client.post(EVENTS_URL, json=one)
    check(api, accepted)
    assert accepted.status_code == 202
    assert accepted.json() == {"data": {"accepted": 1}}
    assert accepted.headers["ratelimit-limit"] == "1200"

    # What a browser's sendBeacon sends: a batch as text/plain.
    batch = b'[{"site": "sk_abc123def456", "type": "goal", "name": "purchase",' + (
        b' "revenue": {"amount": 19, "currency": "USD"}, "visitor_id": "v-2"},'
        b' {"site": "sk_abc123def456", "type": "pageview", "path": "/pricing"}]'
    )
    beacon = await client.post(
        EVENTS_URL, content=batch, headers={"Content-Type": "text/plain;charset=UTF-8"}
    )
    check(api, beacon)
    assert beacon.status_code == 202
    assert beacon.json() == {"data": {"accepted": 2}}

    stats = await client.get(f"{GOALS}/{goal_id}/stats?period=7d", headers=bearer(token))
    check(api, stats)
    assert stats.status_code == 200
    assert stats.content == (b'{"data":{"conversions":2,"unique_conversions":2,"revenue":68.00}}')

    custom = await client.get(
        f"{GOALS}/{goal_id}/stats",
        params={"period": "custom", "from": "2026-01-01", "to": "2026-01-31"},
        headers=bearer(token),
    )
    check(api, custom)
    assert custom.json() == {"data": {"conversions": 0, "unique_conversions": 0, "revenue": 0}}

    preview = await client.post(
        f"{GOALS}/preview?period=30d",
        json={"type": "pageview", "match_type": "contains", "match_value": "/pri"},
        headers=bearer(token),
    )
    check(api, preview)
    assert preview.status_code == 200
    assert preview.json() == {
        "data": {
            "conversions": 1,
            "unique_conversions": 1,
            "revenue": None,
            "top_matches": [{"value": "/pricing", "conversions": 1}],
        }
    }


async def test_401_carries_www_authenticate_as_documented(client: Client, db: Database) -> None:
    api = await served_document(client)
    await make_site(db, SITE)
    refused = await client.get(GOALS, headers=bearer("gg_" + "x" * 43))
    with pytest.raises(SecurityValidationError, match=r"\[\['bearer'\]\]"):
        # Sending no token at all breaks the document's security requirement.
        check(api, await client.get(GOALS))
    check(api, refused)
    assert refused.status_code == 401
    assert refused.headers["www-authenticate"] == 'Bearer realm="goalgate"'
    assert refused.json() == error("unauthenticated", "the token is invalid or revoked")


async def test_429_carries_retry_after_as_documented(tmp_path: Path, database_url: str) -> None:
    app = create_app(Settings(database_url=database_url, rate_limit_token="2/minute"))
    async with AsyncTestClient(app=app) as client:
        api = await served_document(client)
        headers = bearer("gg_" + "y" * 43)
        answers = [await client.get(GOALS, headers=headers) for _ in range(3)]
        assert [a.status_code for a in answers] == [401, 401, 429]
        for answer in answers:
            check(api, answer)
        assert [a.headers["ratelimit-remaining"] for a in answers[:2]] == ["1", "0"]
        limited = answers[2]
        retry_after = int(limited.headers["retry-after"])
        assert 1 <= retry_after <= 60
        assert "ratelimit-limit" not in limited.headers
        assert limited.json() == error(
            "rate_limited",
            f"too many requests: at most 2 per minute; retry in {retry_after} s",
        )


async def test_a_database_outage_is_a_documented_503_with_retry_after(tmp_path: Path) -> None:
    path = tmp_path / "gone.db"
    url = f"sqlite+aiosqlite:///{path}"
    app = create_app(Settings(database_url=url))
    async with AsyncTestClient(app=app) as client:
        api = await served_document(client)
        runtime: Any = app.state.runtime
        await make_site(runtime.db, SITE)
        token = await make_token(runtime.db)
        assert (await client.get(GOALS, headers=bearer(token))).status_code == 200
        await runtime.db.close()
        path.unlink()
        path.mkdir()  # a directory where the file was: the database cannot be opened
        down = await client.post(GOALS, json=goal_body(), headers=bearer(token))
        check(api, down)
        assert down.status_code == 503
        assert down.headers["retry-after"] == "1"
        assert down.json() == error("unavailable", "the database is not reachable")

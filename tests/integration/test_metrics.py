"""GET /metrics through the app: off by default, exact counts after known traffic, the token.

Each app has a registry of its own, so every count below is exactly what the
test's own requests caused.
"""

from __future__ import annotations

import pytest
from litestar.testing import AsyncTestClient
from prometheus_client.parser import text_string_to_metric_families

from goalgate.settings import Settings
from goalgate.storage.db import Database
from tests.helpers.data import make_site, make_token
from tests.helpers.http import EVENTS_URL, Client, bearer, error
from tests.helpers.ratelimit import pin_clock

SITE = "sk_abc123def456"
GOALS = f"/api/v1/analytics/sites/{SITE}/goals"
METRICS_TOKEN = "m" * 24


def sample(text: str, name: str, **labels: str) -> float | None:
    """The value of one sample of the exposition, or None when it is absent."""
    for family in text_string_to_metric_families(text):
        for found in family.samples:
            if found.name == name and found.labels == labels:
                return float(found.value)
    return None


async def scrape(client: Client, **headers: str) -> str:
    response = await client.get("/metrics", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8"
    return response.text


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, metrics="on")


async def test_metrics_are_off_by_default_and_then_404(database_url: str) -> None:
    from goalgate.app import create_app

    assert Settings(database_url=database_url).metrics == "off"
    async with AsyncTestClient(app=create_app(Settings(database_url=database_url))) as client:
        response = await client.get("/metrics")
        assert response.status_code == 404
        assert response.json() == error("not_found", "not found")
        assert client.app.state.runtime.metrics is None


async def test_requests_are_counted_by_route_template_and_status(
    client: Client, token: str, site: str
) -> None:
    for _ in range(3):
        assert (await client.get("/healthz")).status_code == 200
    for _ in range(2):
        assert (await client.get(GOALS, headers=bearer(token))).status_code == 200
    assert (
        await client.get("/api/v1/analytics/sites/sk_other/goals", headers=bearer(token))
    ).status_code == 404
    assert (await client.get(GOALS)).status_code == 401
    assert (await client.get("/no/such/page")).status_code == 404
    assert (await client.request("BREW", "/healthz")).status_code == 405

    text = await scrape(client)
    route = "/api/v1/analytics/sites/{key}/goals"
    counts = {
        (labels["method"], labels["route"], labels["status"]): value
        for family in text_string_to_metric_families(text)
        if family.name == "goalgate_http_requests"
        for name, labels, value, *_ in family.samples
        if name == "goalgate_http_requests_total"
    }
    assert counts == {
        ("GET", "/healthz", "200"): 3.0,
        ("GET", route, "200"): 2.0,
        ("GET", route, "404"): 1.0,
        ("GET", route, "401"): 1.0,
        ("GET", "unrouted", "404"): 1.0,
        ("other", "unrouted", "405"): 1.0,  # refused while routing
    }
    histogram = "goalgate_http_request_duration_seconds"
    assert sample(text, f"{histogram}_count", method="GET", route=route) == 4.0
    assert sample(text, f"{histogram}_bucket", method="GET", route="/healthz", le="+Inf") == 3.0
    # The scrape counts itself once it is answered: the next one sees it.
    again = await scrape(client)
    assert (
        sample(again, "goalgate_http_requests_total", method="GET", route="/metrics", status="200")
        == 1.0
    )


async def test_events_accepted_and_ingestion_refusals_by_reason_are_counted(
    client: Client, site: str
) -> None:
    for name in ("a", "b", "c"):
        response = await client.post(EVENTS_URL, json={"site": site, "type": "event", "name": name})
        assert response.status_code == 202
    unknown = [{"site": "sk_nowhere", "type": "event", "name": "x"}] * 2
    assert (await client.post(EVENTS_URL, json=unknown)).status_code == 404
    assert (await client.post(EVENTS_URL, json={"site": site, "type": "nope"})).status_code == 422
    assert (
        await client.post(EVENTS_URL, content=b"{", headers={"content-type": "application/json"})
    ).status_code == 400

    text = await scrape(client)
    assert sample(text, "goalgate_events_accepted_total") == 3.0
    assert sample(text, "goalgate_ingest_rejected_total", reason="not_found") == 1.0
    assert sample(text, "goalgate_ingest_rejected_total", reason="validation_error") == 1.0
    assert sample(text, "goalgate_ingest_rejected_total", reason="bad_request") == 1.0
    # Three lone requests, one after the other: three commits of one event each.
    assert sample(text, "goalgate_group_commit_events_count") == 3.0
    assert sample(text, "goalgate_group_commit_events_sum") == 3.0
    assert sample(text, "goalgate_group_commit_events_bucket", le="1.0") == 3.0
    assert sample(text, "goalgate_group_commit_duration_seconds_count") == 3.0
    assert sample(text, "goalgate_group_commit_failures_total") == 0.0


async def test_stats_reads_and_the_key_dictionary_are_measured(
    client: Client, token: str, site: str
) -> None:
    events = [{"site": site, "type": "pageview", "url": f"https://example.com/{p}"} for p in "aab"]
    events.append({"site": site, "type": "event", "name": "signup"})
    assert (await client.post(EVENTS_URL, json=events)).status_code == 202
    body = {"name": "Any page", "type": "pageview", "match_type": "contains", "match_value": "/"}
    created = await client.post(GOALS, json=body, headers=bearer(token))
    goal = created.json()["data"]["id"]
    before = await scrape(client)
    assert sample(before, "goalgate_key_dictionary_keys") == 0.0  # nothing matched yet

    stats = f"{GOALS}/{goal}/stats"
    first = await client.get(stats, headers=bearer(token))
    assert first.json()["data"]["conversions"] == 3
    middle = await scrape(client)
    # The pageview dictionary (/a, /b) is now mirrored in this process; names are not.
    assert sample(middle, "goalgate_key_dictionary_keys") == 2.0
    assert (await client.get(stats, headers=bearer(token))).status_code == 200
    after = await scrape(client)
    # With the dictionary warm, a stats request costs one aggregate read.
    counted = "goalgate_stats_query_duration_seconds_count"
    assert sample(after, counted) == sample(middle, counted) + 1  # type: ignore[operator]
    assert sample(after, "goalgate_key_dictionary_keys") == 2.0


@pytest.fixture
def limited(database_url: str) -> Settings:
    return Settings(
        database_url=database_url,
        metrics="on",
        rate_limit_token="2/minute",
        rate_limit_ingest="1/minute",
    )


async def test_rate_limit_refusals_are_counted_by_limit(limited: Settings, db: Database) -> None:
    from goalgate.app import create_app

    app = create_app(limited)
    async with AsyncTestClient(app=app) as client:
        pin_clock(app)  # one window for the whole test
        await make_site(db, SITE)
        token = await make_token(db)
        statuses = [(await client.get(GOALS, headers=bearer(token))).status_code for _ in range(3)]
        event = {"site": SITE, "type": "event", "name": "x"}
        ingest = [(await client.post(EVENTS_URL, json=event)).status_code for _ in range(2)]
        text = await scrape(client)
    assert statuses == [200, 200, 429]
    assert ingest == [202, 429]
    assert sample(text, "goalgate_rate_limit_refusals_total", limit="token") == 1.0
    assert sample(text, "goalgate_rate_limit_refusals_total", limit="ingest") == 1.0
    assert sample(text, "goalgate_ingest_rejected_total", reason="rate_limited") == 1.0
    assert sample(text, "goalgate_events_accepted_total") == 1.0


@pytest.fixture
def guarded(database_url: str) -> Settings:
    return Settings(database_url=database_url, metrics="token", metrics_token=METRICS_TOKEN)


async def test_metrics_token_mode_needs_the_bearer_token(guarded: Settings) -> None:
    from goalgate.app import create_app

    async with AsyncTestClient(app=create_app(guarded)) as client:
        missing = await client.get("/metrics")
        wrong = await client.get("/metrics", headers=bearer("m" * 23 + "x"))
        right = await scrape(client, **bearer(METRICS_TOKEN))
    for refused in (missing, wrong):
        assert refused.status_code == 401
        assert refused.headers["www-authenticate"] == 'Bearer realm="goalgate"'
        assert refused.json() == error("unauthenticated", "the metrics need their bearer token")
    assert (
        sample(right, "goalgate_http_requests_total", method="GET", route="/metrics", status="401")
        == 2.0
    )


def test_token_mode_without_a_long_enough_token_is_refused_at_start() -> None:
    with pytest.raises(ValueError, match="needs a GOALGATE_METRICS_TOKEN of 16"):
        Settings(metrics="token", metrics_token="short")
    with pytest.raises(ValueError, match="needs a GOALGATE_METRICS_TOKEN of 16"):
        Settings(metrics="token")

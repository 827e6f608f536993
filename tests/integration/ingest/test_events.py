"""POST /api/v1/analytics/events through create_app: shapes, statuses, exact bodies."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import text

from goalgate.app import create_app
from goalgate.settings import Settings
from goalgate.storage.db import Database
from tests.helpers.data import READ, WRITE, make_site, make_token, stored_events
from tests.helpers.http import EVENTS_URL, Client, bearer, error

SITE = "sk_abc123def456"


def pageview(path: str = "/", **extra: Any) -> dict[str, Any]:
    return {"site": SITE, "type": "pageview", "path": path, **extra}


def now_ms() -> int:
    return int(datetime.now(UTC).timestamp() * 1000)


# --- accepted --------------------------------------------------------------


async def test_one_event_object_is_accepted_with_202(
    client: Client, site: str, db: Database
) -> None:
    before = now_ms()
    response = await client.post(
        EVENTS_URL,
        json={"site": site, "type": "pageview", "url": "https://example.com/thank-you?ref=x#top"},
    )
    assert response.status_code == 202
    assert response.json() == {"data": {"accepted": 1}}
    [event] = await stored_events(db)
    assert event["site"] == site
    assert event["kind"] == "pageview"
    assert event["value"] == "/thank-you"
    assert before <= event["ts"] <= now_ms()
    assert event["revenue_micros"] is None
    assert event["currency"] is None


async def test_the_three_documented_shapes_in_one_array(
    client: Client, site: str, db: Database
) -> None:
    response = await client.post(
        EVENTS_URL,
        json=[
            {"site": site, "type": "pageview", "path": "/thank-you"},
            {"site": site, "type": "event", "name": "signup"},
            {
                "site": site,
                "type": "goal",
                "name": "purchase",
                "revenue": {"amount": "49.90", "currency": "USD"},
            },
        ],
    )
    assert response.status_code == 202
    assert response.json() == {"data": {"accepted": 3}}
    events = await stored_events(db)
    assert [(e["kind"], e["value"], e["revenue_micros"], e["currency"]) for e in events] == [
        ("pageview", "/thank-you", None, None),
        ("event", "signup", None, None),
        ("goal", "purchase", 49_900_000, "USD"),
    ]


@pytest.mark.parametrize(
    "content_type", ["application/json", "text/plain", "text/plain;charset=UTF-8", None]
)
async def test_json_is_accepted_as_application_json_text_plain_or_untyped(
    client: Client, site: str, db: Database, content_type: str | None
) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    response = await client.post(
        EVENTS_URL, content=json.dumps([pageview("/a")]).encode(), headers=headers
    )
    assert response.status_code == 202
    assert response.json() == {"data": {"accepted": 1}}
    assert [e["value"] for e in await stored_events(db)] == ["/a"]


async def test_the_same_path_twice_is_one_dictionary_key(
    client: Client, site: str, db: Database
) -> None:
    await client.post(EVENTS_URL, json=[pageview("/a"), pageview("/a")])
    await client.post(EVENTS_URL, json=pageview("/a"))
    async with db.engine.connect() as connection:
        keys = (await connection.execute(text("SELECT kind, value FROM event_keys"))).all()
    assert keys == [("pageview", "/a")]
    assert len(await stored_events(db)) == 3


@pytest.mark.parametrize(
    ("sent", "stored"),
    [
        ({"url": "https://example.com"}, "/"),
        ({"url": "https://example.com/?q=1"}, "/"),
        ({"url": "http://example.com:8080/a/b/?x=1&y=2#frag"}, "/a/b/"),
        ({"url": "https://example.com/caf%C3%A9"}, "/café"),
        ({"url": "https://example.com/100%25"}, "/100%"),
        ({"url": "https://example.com/bad%FF"}, "/bad%FF"),
        ({"url": "https://example.com/nul%00"}, "/nul%00"),
        ({"path": ""}, "/"),
        ({"path": "/pricing/"}, "/pricing/"),
        ({"path": "/pricing?plan=pro#faq"}, "/pricing"),
        ({"path": "?only=query"}, "/"),
        ({"path": "/ünïcödé/日本"}, "/ünïcödé/日本"),
        ({"path": "/" + "x" * 1023}, "/" + "x" * 1023),
    ],
)
async def test_the_stored_path_has_no_query_or_fragment(
    client: Client, site: str, db: Database, sent: dict[str, str], stored: str
) -> None:
    response = await client.post(EVENTS_URL, json={"site": site, "type": "pageview", **sent})
    assert response.status_code == 202, response.text
    assert [e["value"] for e in await stored_events(db)] == [stored]


@pytest.mark.parametrize(
    ("revenue", "micros", "currency"),
    [
        ({"amount": "49.90", "currency": "USD"}, 49_900_000, "USD"),
        ({"amount": 49.9, "currency": "usd"}, 49_900_000, "USD"),
        ({"amount": 0.1, "currency": "EUR"}, 100_000, "EUR"),
        ({"amount": 12, "currency": "JPY"}, 12_000_000, "JPY"),
        ({"amount": "0", "currency": "USD"}, 0, "USD"),
        ({"amount": "0.000001", "currency": "USD"}, 1, "USD"),
    ],
)
async def test_revenue_is_stored_exactly_in_micros(
    client: Client,
    site: str,
    db: Database,
    revenue: dict[str, Any],
    micros: int,
    currency: str,
) -> None:
    response = await client.post(
        EVENTS_URL, json={"site": site, "type": "goal", "name": "purchase", "revenue": revenue}
    )
    assert response.status_code == 202, response.text
    [event] = await stored_events(db)
    assert (event["revenue_micros"], event["currency"]) == (micros, currency)


async def test_a_float_amount_keeps_the_digits_sent(
    client: Client, site: str, db: Database
) -> None:
    # 0.1 + 0.2 as floats is 0.30000000000000004; read as sent it is exact.
    body = b'[{"site": "SITE", "type": "goal", "name": "p", "revenue": {"amount": 0.30, '
    body += b'"currency": "USD"}}]'
    response = await client.post(
        EVENTS_URL,
        content=body.replace(b"SITE", site.encode()),
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 202
    assert [e["revenue_micros"] for e in await stored_events(db)] == [300_000]


# --- 400, 413, 415 ----------------------------------------------------------


async def test_malformed_json_is_400(client: Client, site: str, db: Database) -> None:
    response = await client.post(
        EVENTS_URL, content=b'[{"site": ', headers={"Content-Type": "text/plain"}
    )
    assert response.status_code == 400
    assert response.json() == error(
        "bad_request", "the body is not valid JSON: Input data was truncated"
    )
    assert await stored_events(db) == []


async def test_a_body_that_is_not_utf8_is_400(client: Client, site: str) -> None:
    response = await client.post(
        EVENTS_URL, content=b"\xff\xfe", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json() == error(
        "bad_request", "the body is not valid JSON: JSON is malformed: invalid character (byte 0)"
    )


@pytest.mark.parametrize("body", [b"", b'"text"', b"42", b"null", b"true"])
async def test_a_body_that_is_neither_object_nor_array_is_400(
    client: Client, site: str, body: bytes
) -> None:
    response = await client.post(
        EVENTS_URL, content=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_request"


async def test_a_form_post_is_415(client: Client, site: str, db: Database) -> None:
    response = await client.post(EVENTS_URL, data={"site": site, "type": "pageview"})
    assert response.status_code == 415
    assert response.json() == error(
        "unsupported_media_type", "send the events as application/json or text/plain"
    )
    assert await stored_events(db) == []


@pytest.fixture
async def small_client(database_url: str) -> AsyncIterator[Client]:
    """An app that takes bodies up to 1024 bytes and batches up to 3 events."""
    app = create_app(Settings(database_url=database_url, max_body_bytes=1024, max_batch_events=3))
    async with AsyncTestClient(app=app) as test_client:
        yield test_client


async def test_a_body_over_the_limit_is_413_with_our_error_body(
    small_client: Client, db: Database
) -> None:
    await make_site(db)
    body = json.dumps([pageview("/" + "x" * 1000)]).encode()
    assert len(body) > 1024
    response = await small_client.post(
        EVENTS_URL, content=body, headers={"Content-Type": "text/plain"}
    )
    assert response.status_code == 413
    assert response.json() == error(
        "payload_too_large", "the body must be at most 1024 bytes; send smaller batches"
    )
    assert await stored_events(db) == []


async def test_a_streamed_body_without_content_length_over_the_limit_is_413(
    small_client: Client, db: Database
) -> None:
    """Chunked upload: the limit holds on the bytes received, not on a header.

    httpx's async client cannot stream through Litestar's test transport, so
    this drives the ASGI app directly (the 413 comes before any database use).
    """
    await make_site(db)
    chunks = [b'[{"site": "sk_abc123def456", "type": "pageview", "path": "/', b"x" * 2000, b'"}]']
    messages: list[dict[str, Any]] = [
        {"type": "http.request", "body": chunk, "more_body": i < len(chunks) - 1}
        for i, chunk in enumerate(chunks)
    ]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return messages.pop(0)

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": EVENTS_URL,
        "raw_path": EVENTS_URL.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"content-type", b"text/plain"), (b"host", b"testserver")],
        "client": ("203.0.113.9", 5000),
        "server": ("testserver", 80),
        "state": {},
    }
    # On the client's own loop (its portal thread), where the app's runtime was
    # opened: an asyncpg connection used from two loops at once crashes the
    # process (a segfault in its protocol, seen under pytest-xdist).
    await asyncio.to_thread(
        small_client.blocking_portal.call,
        small_client.app,  # type: ignore[arg-type]
        scope,
        receive,
        send,
    )
    assert sent[0]["status"] == 413
    body = b"".join(m.get("body", b"") for m in sent[1:])
    assert json.loads(body) == error(
        "payload_too_large", "the body must be at most 1024 bytes; send smaller batches"
    )
    assert await stored_events(db) == []


async def test_more_events_than_the_batch_limit_is_422(small_client: Client, db: Database) -> None:
    await make_site(db)
    response = await small_client.post(EVENTS_URL, json=[pageview()] * 4)
    assert response.status_code == 422
    assert response.json() == error(
        "validation_error", "the batch is not valid", {"batch": "must hold 1 to 3 events"}
    )
    assert await stored_events(db) == []
    exactly = await small_client.post(EVENTS_URL, json=[pageview()] * 3)
    assert exactly.json() == {"data": {"accepted": 3}}


async def test_an_empty_array_is_422(client: Client, site: str) -> None:
    response = await client.post(EVENTS_URL, json=[])
    assert response.status_code == 422
    assert response.json() == error(
        "validation_error", "the batch is not valid", {"batch": "must hold 1 to 1000 events"}
    )


# --- 422: every rule, by index and field -------------------------------------

NOT_VALID = "the events are not valid; none was stored"

INVALID_EVENTS: list[tuple[Any, dict[str, str]]] = [
    ({"type": "pageview", "path": "/"}, {"0.site": "is required"}),
    ({"site": 42, "type": "pageview", "path": "/"}, {"0.site": "must be a string"}),
    ({"site": "x" * 65, "type": "event", "name": "a"}, {"0.site": "must be 1 to 64 characters"}),
    ({"site": SITE, "path": "/"}, {"0.type": "is required"}),
    ({"site": SITE, "type": "click"}, {"0.type": "must be one of pageview, event, goal"}),
    ({"site": SITE, "type": "event"}, {"0.name": "is required"}),
    ({"site": SITE, "type": "goal", "name": ""}, {"0.name": "must be 1 to 1024 characters"}),
    (
        {"site": SITE, "type": "goal", "name": "x" * 1025},
        {"0.name": "must be 1 to 1024 characters"},
    ),
    (
        {"site": SITE, "type": "event", "name": "sign\nup"},
        {"0.name": "must not contain control characters"},
    ),
    ({"site": SITE, "type": "event", "name": None}, {"0.name": "is required"}),
    ({"site": SITE, "type": "event", "name": ["a"]}, {"0.name": "must be a string"}),
    (
        {"site": SITE, "type": "event", "name": "a", "path": "pricing"},
        {"0.path": "must start with /"},
    ),
    ({"site": SITE, "type": "pageview"}, {"0.url": "is required (or path)"}),
    (
        {"site": SITE, "type": "pageview", "url": "https://e.com/a", "path": "/a"},
        {"0.path": "send either url or path, not both"},
    ),
    (
        {"site": SITE, "type": "pageview", "url": "/relative"},
        {"0.url": "must be an absolute http or https URL"},
    ),
    (
        {"site": SITE, "type": "pageview", "url": "javascript:alert(1)"},
        {"0.url": "must be an absolute http or https URL"},
    ),
    (
        {"site": SITE, "type": "pageview", "url": "https://[::1/"},
        {"0.url": "must be an absolute http or https URL"},
    ),
    ({"site": SITE, "type": "pageview", "url": 5}, {"0.url": "must be a string"}),
    (
        {"site": SITE, "type": "pageview", "url": "https://e.com/" + "x" * 1024},
        {"0.url": "the path must be at most 1024 characters"},
    ),
    (
        {"site": SITE, "type": "pageview", "url": "https://e.com/?" + "x" * 8192},
        {"0.url": "must be at most 8192 characters"},
    ),
    (
        {"site": SITE, "type": "pageview", "path": "thank-you"},
        {"0.path": "must start with /"},
    ),
    (
        {"site": SITE, "type": "pageview", "path": "/" + "x" * 1024},
        {"0.path": "the path must be at most 1024 characters"},
    ),
    (
        {"site": SITE, "type": "pageview", "path": "/a\x00b"},
        {"0.path": "must not contain control characters"},
    ),
    (
        {"site": SITE, "type": "pageview", "path": "/", "name": "x"},
        {"0.name": "only allowed for events and goals"},
    ),
    (
        {"site": SITE, "type": "pageview", "path": "/", "revenue": {"amount": "1"}},
        {"0.revenue": "only allowed for events and goals"},
    ),
    (
        {"site": SITE, "type": "event", "name": "a", "visitor_id": "v" * 129},
        {"0.visitor_id": "must be 1 to 128 characters"},
    ),
    (
        {"site": SITE, "type": "event", "name": "a", "visitor_id": ""},
        {"0.visitor_id": "must be 1 to 128 characters"},
    ),
    (
        {"site": SITE, "type": "event", "name": "a", "visitor_id": None},
        {"0.visitor_id": "must be a string, not null"},
    ),
    (
        {"site": SITE, "type": "event", "name": "a", "visitor_id": "a\tb"},
        {"0.visitor_id": "must not contain control characters"},
    ),
    ({"site": SITE, "type": "event", "name": "a", "colour": "red"}, {"0.colour": "unknown field"}),
    (
        {"site": SITE, "type": "goal", "name": "p", "revenue": "49.90"},
        {"0.revenue": 'must be an object like {"amount": "49.90", "currency": "USD"}'},
    ),
    (
        {"site": SITE, "type": "goal", "name": "p", "revenue": {}},
        {"0.revenue.amount": "is required", "0.revenue.currency": "is required"},
    ),
    (
        {"site": SITE, "type": "goal", "name": "p", "revenue": {"amount": "-1", "currency": "USD"}},
        {"0.revenue.amount": "must not be negative"},
    ),
    (
        {
            "site": SITE,
            "type": "goal",
            "name": "p",
            "revenue": {"amount": "1e3", "currency": "USD"},
        },
        {"0.revenue.amount": "must be a decimal number like 49.90"},
    ),
    (
        {
            "site": SITE,
            "type": "goal",
            "name": "p",
            "revenue": {"amount": "1.0000001", "currency": "USD"},
        },
        {"0.revenue.amount": "must have at most 6 decimal places"},
    ),
    (
        {"site": SITE, "type": "goal", "name": "p", "revenue": {"amount": True, "currency": "USD"}},
        {"0.revenue.amount": "must be a number, not a boolean"},
    ),
    (
        {"site": SITE, "type": "goal", "name": "p", "revenue": {"amount": "1", "currency": "XAU"}},
        {"0.revenue.currency": "must be an active ISO 4217 code"},
    ),
    (
        {"site": SITE, "type": "goal", "name": "p", "revenue": {"amount": "1", "currency": 840}},
        {"0.revenue.currency": "must be a string"},
    ),
    (
        {
            "site": SITE,
            "type": "goal",
            "name": "p",
            "revenue": {"amount": "1", "currency": "USD", "tax": "0.2"},
        },
        {"0.revenue.tax": "unknown field"},
    ),
    (
        {"site": SITE, "type": "goal", "name": "p", "timestamp": "2024-03-30T23:30:00"},
        {"0.timestamp": "must be ISO 8601 with an offset, e.g. 2024-03-30T23:30:00Z"},
    ),
    (
        {"site": SITE, "type": "goal", "name": "p", "timestamp": "yesterday"},
        {"0.timestamp": "must be ISO 8601 with an offset, e.g. 2024-03-30T23:30:00Z"},
    ),
    (
        {"site": SITE, "type": "goal", "name": "p", "timestamp": 1711841400},
        {"0.timestamp": "must be ISO 8601 with an offset, e.g. 2024-03-30T23:30:00Z"},
    ),
    (
        {"site": SITE, "type": "goal", "name": "p", "timestamp": "1969-12-31T23:59:59Z"},
        {"0.timestamp": "must not be before 1970"},
    ),
    ("not an object", {"0": "must be an event object"}),
    ({}, {"0.site": "is required", "0.type": "is required"}),
]


@pytest.mark.parametrize(("event", "fields"), INVALID_EVENTS)
async def test_each_rule_is_a_422_naming_index_and_field(
    client: Client, site: str, db: Database, event: Any, fields: dict[str, str]
) -> None:
    response = await client.post(EVENTS_URL, json=[event])
    assert response.status_code == 422
    assert response.json() == error("validation_error", NOT_VALID, fields)
    assert await stored_events(db) == []


async def test_a_single_object_reports_its_faults_as_index_0(client: Client, site: str) -> None:
    response = await client.post(EVENTS_URL, json={"site": site, "type": "event"})
    assert response.status_code == 422
    assert response.json() == error("validation_error", NOT_VALID, {"0.name": "is required"})


async def test_a_batch_with_any_invalid_event_stores_nothing(
    client: Client, site: str, db: Database
) -> None:
    response = await client.post(
        EVENTS_URL,
        json=[
            {"site": site, "type": "event"},
            pageview("/fine"),
            {
                "site": site,
                "type": "goal",
                "name": "p",
                "revenue": {"amount": "x", "currency": "USD"},
            },
            pageview("/also-fine"),
        ],
    )
    assert response.status_code == 422
    assert response.json() == error(
        "validation_error",
        NOT_VALID,
        {"0.name": "is required", "2.revenue.amount": "must be a decimal number like 49.90"},
    )
    assert await stored_events(db) == []


# --- 404 ---------------------------------------------------------------------


async def test_an_unknown_site_is_404_and_nothing_is_stored(
    client: Client, site: str, db: Database
) -> None:
    response = await client.post(
        EVENTS_URL,
        json=[pageview("/"), {"site": "sk_nope", "type": "event", "name": "a"}, pageview("/b")],
    )
    assert response.status_code == 404
    assert response.json() == error("not_found", "site not found", {"1.site": "no such site"})
    assert await stored_events(db) == []


async def test_events_of_two_sites_in_one_batch(client: Client, site: str, db: Database) -> None:
    other = await make_site(db, "sk_other_site")
    response = await client.post(
        EVENTS_URL, json=[pageview("/a"), {"site": other, "type": "pageview", "path": "/a"}]
    )
    assert response.json() == {"data": {"accepted": 2}}
    assert [(e["site"], e["value"]) for e in await stored_events(db)] == [
        (site, "/a"),
        (other, "/a"),
    ]


# --- timestamps: 401, 403 and backfilling ------------------------------------

BACKDATED = {"site": SITE, "type": "goal", "name": "p", "timestamp": "2024-03-30T23:30:00Z"}
BACKDATED_MS = 1711841400000
FORBIDDEN = "a timestamp needs a token with analytics:write for the event's site"


async def test_a_timestamp_with_a_write_token_backfills_history(
    client: Client, site: str, token: str, db: Database
) -> None:
    response = await client.post(
        EVENTS_URL,
        json=[BACKDATED, {**BACKDATED, "timestamp": "2024-03-31T01:30:00.250+02:00"}],
        headers=bearer(token),
    )
    assert response.status_code == 202
    assert [e["ts"] for e in await stored_events(db)] == [BACKDATED_MS, 1711841400250]


async def test_a_timestamp_without_a_token_is_403(client: Client, site: str, db: Database) -> None:
    response = await client.post(EVENTS_URL, json=[pageview(), BACKDATED])
    assert response.status_code == 403
    assert response.json() == error(
        "forbidden", FORBIDDEN, {"1.timestamp": "needs a bearer token with analytics:write"}
    )
    assert await stored_events(db) == []


async def test_a_timestamp_with_a_read_only_token_is_403(
    client: Client, site: str, db: Database
) -> None:
    reader = await make_token(db, READ)
    response = await client.post(EVENTS_URL, json=BACKDATED, headers=bearer(reader))
    assert response.status_code == 403
    assert response.json() == error(
        "forbidden", FORBIDDEN, {"0.timestamp": "this token lacks the analytics:write scope"}
    )
    assert await stored_events(db) == []


async def test_a_timestamp_with_a_token_limited_to_another_site_is_403(
    client: Client, site: str, db: Database
) -> None:
    other = await make_site(db, "sk_other_site")
    writer = await make_token(db, READ, WRITE, sites=[other])
    response = await client.post(
        EVENTS_URL,
        json=[{**BACKDATED, "site": other}, BACKDATED],
        headers=bearer(writer),
    )
    assert response.status_code == 403
    assert response.json() == error(
        "forbidden", FORBIDDEN, {"1.timestamp": "this token may not write to this site"}
    )
    assert await stored_events(db) == []


async def test_a_bad_token_is_401_even_without_timestamps(
    client: Client, site: str, db: Database
) -> None:
    response = await client.post(EVENTS_URL, json=pageview(), headers=bearer("gg_" + "x" * 43))
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Bearer realm="goalgate"'
    assert response.json() == error("unauthenticated", "the token is invalid or revoked")
    assert await stored_events(db) == []


async def test_events_without_timestamp_need_no_token(
    client: Client, site: str, db: Database
) -> None:
    reader = await make_token(db, READ)
    response = await client.post(EVENTS_URL, json=pageview(), headers=bearer(reader))
    assert response.json() == {"data": {"accepted": 1}}


async def test_a_timestamp_a_little_ahead_is_accepted_but_not_beyond_5_minutes(
    client: Client, site: str, token: str, db: Database
) -> None:
    soon = (datetime.now(UTC) + timedelta(minutes=4)).isoformat()
    later = (datetime.now(UTC) + timedelta(minutes=6)).isoformat()
    ok = await client.post(EVENTS_URL, json={**BACKDATED, "timestamp": soon}, headers=bearer(token))
    assert ok.status_code == 202
    response = await client.post(
        EVENTS_URL, json={**BACKDATED, "timestamp": later}, headers=bearer(token)
    )
    assert response.status_code == 422
    assert response.json() == error(
        "validation_error",
        NOT_VALID,
        {"0.timestamp": "must not be more than 5 minutes in the future"},
    )
    assert len(await stored_events(db)) == 1

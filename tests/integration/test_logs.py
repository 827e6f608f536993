"""Log lines through the app: the request id in each, JSON that parses, no secrets, no noise.

Lines are captured with the formatter and filter the app installs
(``goalgate.logs``), on a handler of the test's own; the served app's real
output (every line JSON under ``serve --workers 2``) is checked in
tests/concurrency/test_serve_observability.py.
"""

from __future__ import annotations

import json
import logging
import os
import re
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from io import StringIO
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from goalgate import logs
from goalgate.app import create_app
from goalgate.services import goals as goal_service
from goalgate.services import tokens as token_service
from goalgate.settings import Settings
from goalgate.storage.db import Database
from tests.helpers.data import make_site, make_token
from tests.helpers.http import EVENTS_URL, Client, bearer
from tests.helpers.ratelimit import pin_clock

SITE = "sk_abc123def456"
GOALS = f"/api/v1/analytics/sites/{SITE}/goals"
ROUTE = "/api/v1/analytics/sites/{key}/goals"
# A well-formed secret that no token has: what a guessing client would send.
WRONG_SECRET = "gg_" + "Q" * 43


@contextmanager
def captured(log_format: str) -> Iterator[StringIO]:
    """Everything logged meanwhile, formatted as the app formats it."""
    stream = StringIO()
    handler = logging.StreamHandler(stream)
    if log_format == "json":
        handler.setFormatter(logs.JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter(logs.TEXT_FORMAT))
    handler.addFilter(logs.RequestFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield stream
    finally:
        root.removeHandler(handler)


def json_lines(stream: StringIO) -> list[dict[str, Any]]:
    """Every line parsed; httpx's own lines (the test client's) left out."""
    parsed = [json.loads(line) for line in stream.getvalue().splitlines()]
    return [line for line in parsed if line["logger"] != "httpx"]


@pytest.fixture
async def app_client(database_url: str, request: pytest.FixtureRequest) -> AsyncIterator[Client]:
    options: dict[str, Any] = getattr(request, "param", {})
    settings = Settings(database_url=database_url, log_format="json", **options)
    async with AsyncTestClient(app=create_app(settings)) as client:
        yield client


async def token_id(db: Database, name: str) -> int:
    tokens = await token_service.list_tokens(db)
    [found] = [token.id for token in tokens if token.name == name]
    return found


@pytest.mark.parametrize("app_client", [{"access_log": True}], indirect=True)
async def test_json_access_lines_carry_request_id_route_status_token_and_site(
    app_client: Client, db: Database
) -> None:
    await make_site(db, SITE)
    secret = await make_token(db, name="dashboard")
    with captured("json") as stream:
        response = await app_client.get(GOALS, headers=bearer(secret))
        health = await app_client.get("/healthz")
    [line, probe] = [line for line in json_lines(stream) if line["logger"] == "goalgate.access"]
    assert response.status_code == 200
    assert line.pop("time").endswith("+00:00")
    assert line.pop("duration_ms") > 0
    assert line.pop("pid") == os.getpid()
    assert line == {
        "level": "INFO",
        "logger": "goalgate.access",
        "message": line["message"],
        "request_id": response.headers["x-request-id"],
        "method": "GET",
        "route": ROUTE,
        "path": GOALS,
        "status": 200,
        "token_id": await token_id(db, "dashboard"),
        "site_key": SITE,
    }
    assert re.fullmatch(rf"GET {GOALS} 200 \d+\.\d ms", line["message"])
    assert probe["request_id"] == health.headers["x-request-id"]
    assert (probe["route"], probe["status"], "token_id" in probe) == ("/healthz", 200, False)


@pytest.mark.parametrize("log_format", ["json", "text"])
async def test_no_log_line_holds_a_token_secret(
    database_url: str, db: Database, log_format: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = Settings(
        database_url=database_url, log_format=log_format, access_log=True, log_level="DEBUG"
    )
    async with AsyncTestClient(app=create_app(settings)) as client:
        await make_site(db, SITE)
        secret = await make_token(db)
        with captured(log_format) as stream:
            statuses = [
                (await client.get(GOALS, headers=bearer(secret))).status_code,
                (await client.get(GOALS, headers=bearer(WRONG_SECRET))).status_code,
                (
                    await client.post(
                        "/graphql",
                        json={"query": "{ sites { key } }"},
                        headers=bearer(secret),
                    )
                ).status_code,
                (
                    await client.post(
                        EVENTS_URL,
                        json={
                            "site": SITE,
                            "type": "event",
                            "name": "x",
                            "timestamp": "2026-01-02T03:04:05Z",
                        },
                        headers=bearer(secret),
                    )
                ).status_code,
                (await client.post(EVENTS_URL, json={}, headers=bearer(WRONG_SECRET))).status_code,
            ]
            monkeypatch.setattr(goal_service, "list_goals", _boom)
            statuses.append((await client.get(GOALS, headers=bearer(secret))).status_code)
    assert statuses == [200, 401, 200, 202, 401, 500]
    output = stream.getvalue()
    assert output.count("goalgate.access") == 6
    assert "Traceback" in output  # the 500's
    for leaked in (secret, secret[3:], WRONG_SECRET, WRONG_SECRET[3:]):
        assert leaked not in output


async def _boom(*args: object, **kwargs: object) -> list[object]:
    raise RuntimeError("boom")


async def test_client_mistakes_are_info_lines_without_traceback_and_successes_are_quiet(
    database_url: str, db: Database
) -> None:
    settings = Settings(database_url=database_url, log_format="json", rate_limit_ingest="1/minute")
    app = create_app(settings)
    async with AsyncTestClient(app=app) as client:
        pin_clock(app)
        await make_site(db, SITE)
        with captured("json") as stream:
            answers = [
                await client.get("/healthz"),
                await client.get(GOALS),
                await client.get("/nowhere"),
                await client.post(EVENTS_URL, json={"site": SITE, "type": "nope"}),
                await client.post(EVENTS_URL, json={"site": SITE, "type": "nope"}),
            ]
    assert [r.status_code for r in answers] == [200, 401, 404, 422, 429]
    lines = json_lines(stream)
    # The 200 and the 429 (a flood would be a flood of lines) are not logged.
    assert [(line["level"], line["status"], line["error"]) for line in lines] == [
        ("INFO", 401, "unauthenticated"),
        ("INFO", 404, "not_found"),
        ("INFO", 422, "validation_error"),
    ]
    assert [line["request_id"] for line in lines] == [
        r.headers["x-request-id"] for r in answers[1:4]
    ]
    assert not any("exception" in line for line in lines)


async def test_a_server_error_is_logged_at_error_with_traceback_and_request_id(
    app_client: Client, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    await make_site(db, SITE)
    secret = await make_token(db, name="reader")
    monkeypatch.setattr(goal_service, "list_goals", _boom)
    with captured("json") as stream:
        response = await app_client.get(GOALS, headers=bearer(secret))
    assert response.status_code == 500
    request_id = response.headers["x-request-id"]
    [error, access] = json_lines(stream)
    assert (error["level"], error["logger"], error["message"]) == (
        "ERROR",
        "goalgate",
        f"unexpected error on GET {GOALS}",
    )
    assert error["exception"].startswith("Traceback (most recent call last):")
    assert error["exception"].endswith("RuntimeError: boom")
    assert (error["request_id"], error["route"], error["site_key"]) == (request_id, ROUTE, SITE)
    assert error["token_id"] == await token_id(db, "reader")
    assert (access["level"], access["status"], access["error"]) == ("INFO", 500, "internal_error")
    assert access["request_id"] == request_id


async def test_a_failed_commit_is_logged_once_by_the_writer_and_once_per_request(
    app_client: Client, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    await make_site(db, SITE)

    class Refusing:
        """An appender whose commits fail, as on a full disk."""

        async def append(self, *args: object) -> dict[Any, int]:
            raise OSError("disk full")

        async def close(self) -> None:
            pass

    committer = app_client.app.state.runtime.intake.committer
    monkeypatch.setattr(committer, "appender", Refusing())
    with captured("json") as stream:
        response = await app_client.post(
            EVENTS_URL, json={"site": SITE, "type": "event", "name": "x"}
        )
    assert response.status_code == 503
    [writer, request, access] = json_lines(stream)
    # The writer serves every request: its line belongs to none of them.
    assert (writer["logger"], writer["message"], "request_id" in writer) == (
        "goalgate.events",
        "committing 1 events failed",
        False,
    )
    assert writer["exception"].endswith("OSError: disk full")
    assert (request["level"], request["logger"]) == ("ERROR", "goalgate")
    assert request["message"] == (
        f"unavailable on POST {EVENTS_URL}: the events could not be stored; send them again"
    )
    assert request["request_id"] == response.headers["x-request-id"]
    assert "OSError: disk full" not in request["exception"]  # the commit's, told above
    assert (access["status"], access["error"]) == (503, "unavailable")


@pytest.mark.parametrize("app_client", [{"access_log": True}], indirect=True)
async def test_text_lines_carry_the_request_id(app_client: Client) -> None:
    with captured("text") as stream:
        response = await app_client.get("/healthz?secret=stays-out")
    [line] = [line for line in stream.getvalue().splitlines() if "goalgate.access" in line]
    request_id = response.headers["x-request-id"]
    assert re.fullmatch(
        rf"INFO - \S+ \S+ - goalgate\.access - {request_id} - GET /healthz 200 \d+\.\d ms", line
    )


def test_the_app_installs_one_handler_with_the_request_filter_and_the_chosen_format(
    tmp_path: Any,
) -> None:
    def installed() -> list[logging.Handler]:
        return [
            handler
            for handler in logging.getLogger().handlers
            if any(isinstance(f, logs.RequestFilter) for f in handler.filters)
        ]

    url = f"sqlite+aiosqlite:///{tmp_path / 'x.db'}"
    create_app(Settings(database_url=url, log_format="json"))
    [handler] = installed()
    assert isinstance(handler.formatter, logs.JsonFormatter)
    create_app(Settings(database_url=url))
    [handler] = installed()
    assert handler.formatter is not None
    assert handler.formatter._fmt == logs.TEXT_FORMAT


def test_one_writer_thread_however_many_apps_a_process_builds(tmp_path: Any) -> None:
    """Logging writes from one background thread. Litestar's own unused queue
    handler started a second one per app, never stopped: 4 apps, 4 more threads.
    (Counted against the first app: other tests in this process may have left
    threads of their own.)"""

    def writer_threads() -> int:
        return sum(1 for thread in threading.enumerate() if "_monitor" in thread.name)

    url = f"sqlite+aiosqlite:///{tmp_path / 'x.db'}"
    counts = []
    for log_format in ("json", "text", "json", "text"):
        create_app(Settings(database_url=url, log_format=log_format))
        counts.append(writer_threads())
    assert counts == [counts[0]] * 4

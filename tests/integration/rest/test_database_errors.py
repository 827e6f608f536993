"""Database failures: an outage is the documented 503 with Retry-After; a bug stays a 500."""

from __future__ import annotations

import sqlite3

import asyncpg
import pytest
from litestar import Litestar, get
from litestar.testing import AsyncTestClient
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from goalgate.api.errors import exception_handlers
from tests.helpers.http import error
from tests.helpers.pg import through_sqlalchemy

FAILURES: dict[str, Exception] = {
    "locked": OperationalError("UPDATE goals", {}, sqlite3.OperationalError("database is locked")),
    "inline-reader": sqlite3.OperationalError("unable to open database file"),
    "pool": PoolTimeout("QueuePool limit of size 5 overflow 10 reached"),
    "refused": ConnectionRefusedError(111, "Connect call failed ('127.0.0.1', 5432)"),
    # PostgreSQL at max_connections, as SQLAlchemy's asyncpg adapter raises it.
    "too-many-clients": through_sqlalchemy(
        asyncpg.exceptions.TooManyConnectionsError("sorry, too many clients already")
    ),
    "constraint": IntegrityError("INSERT INTO goals", {}, Exception("UNIQUE constraint failed")),
    "bad-sql": ProgrammingError("SELECT nope", {}, Exception("no such column: nope")),
}


@get("/fail/{name:str}")
async def fail(name: str) -> None:
    raise FAILURES[name]


@pytest.mark.parametrize("name", ["locked", "inline-reader", "pool", "refused", "too-many-clients"])
async def test_an_unreachable_or_busy_database_is_503_with_retry_after(name: str) -> None:
    app = Litestar([fail], exception_handlers=exception_handlers)
    async with AsyncTestClient(app=app) as client:
        response = await client.get(f"/fail/{name}")
    assert response.status_code == 503
    assert response.headers["retry-after"] == "1"
    assert response.json() == error("unavailable", "the database is not reachable")


@pytest.mark.parametrize("name", ["constraint", "bad-sql"])
async def test_other_database_errors_are_bugs_and_stay_500(name: str) -> None:
    app = Litestar([fail], exception_handlers=exception_handlers)
    async with AsyncTestClient(app=app) as client:
        response = await client.get(f"/fail/{name}")
    assert response.status_code == 500
    assert "retry-after" not in response.headers
    assert response.json() == error("internal_error", "an unexpected error occurred")

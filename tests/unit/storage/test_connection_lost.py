"""Which failures are the connection's (503, a read retried once) and which a bug's (500)."""

from __future__ import annotations

import sqlite3

import asyncpg
import pytest
from sqlalchemy.exc import DBAPIError

from goalgate.storage.readers import is_connection_lost
from tests.helpers.pg import through_sqlalchemy


@pytest.mark.parametrize(
    "exc",
    [
        asyncpg.exceptions.ConnectionDoesNotExistError("gone"),
        asyncpg.exceptions.InterfaceError("connection is closed"),
        asyncpg.exceptions.AdminShutdownError("terminating connection"),
        asyncpg.exceptions.TooManyConnectionsError("sorry, too many clients already"),
        # A pooled connection left mid-operation by a terminated backend.
        asyncpg.exceptions.InternalClientError(
            "cannot switch to state 12; another operation (2) is in progress"
        ),
        sqlite3.OperationalError("database is locked"),
        ConnectionResetError(),
    ],
)
def test_connection_failures_are_lost_connections(exc: BaseException) -> None:
    assert is_connection_lost(exc) is True


@pytest.mark.parametrize(
    "exc",
    [
        asyncpg.exceptions.UndefinedColumnError("no such column"),
        sqlite3.IntegrityError("UNIQUE constraint failed"),
        ValueError("a bug"),
    ],
)
def test_statement_failures_are_not(exc: BaseException) -> None:
    assert is_connection_lost(exc) is False


def test_too_many_clients_through_sqlalchemy_is_the_servers_not_a_bug() -> None:
    """PostgreSQL at max_connections refuses the connection: a 503 to retry, not a 500."""
    refused = through_sqlalchemy(asyncpg.exceptions.TooManyConnectionsError("too many"))
    assert type(refused) is DBAPIError
    assert is_connection_lost(refused) is True
    broken = through_sqlalchemy(asyncpg.exceptions.UniqueViolationError("duplicate key"))
    assert is_connection_lost(broken) is False

"""Which failures are the connection's (503, a read retried once) and which a bug's (500)."""

from __future__ import annotations

import sqlite3

import asyncpg
import pytest

from goalgate.storage.readers import is_connection_lost


@pytest.mark.parametrize(
    "exc",
    [
        asyncpg.exceptions.ConnectionDoesNotExistError("gone"),
        asyncpg.exceptions.InterfaceError("connection is closed"),
        asyncpg.exceptions.AdminShutdownError("terminating connection"),
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

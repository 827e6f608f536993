"""The migrations build exactly the tables the code declares, on both backends.

A migration that forgets a column, an index or a constraint would otherwise go
unnoticed: the tests create their databases through the migrations too.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection
from sqlmodel import SQLModel

from goalgate.storage import tables  # noqa: F401  (registers the tables)
from goalgate.storage.db import open_database
from goalgate.storage.migrations import HEAD

ROOT = Path(__file__).resolve().parents[2]


def _differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(
        connection,
        opts={"compare_type": True, "compare_server_default": True},
    )
    return list(compare_metadata(context, SQLModel.metadata))


async def _migrate_and_compare(url: str) -> list[Any]:
    database = open_database(url)
    try:
        await database.migrate()
        async with database.engine.connect() as connection:
            return await connection.run_sync(_differences)
    finally:
        await database.close()


def test_the_migrated_schema_is_the_declared_one(database_url: str) -> None:
    assert asyncio.run(_migrate_and_compare(database_url)) == []


def test_the_alembic_command_line_migrates_goalgates_database(database_url: str) -> None:
    """alembic.ini at the root works as CONTRIBUTING.md says: upgrade, then check."""
    head = ScriptDirectory.from_config(Config(ROOT / "alembic.ini")).get_current_head()
    env = {**os.environ, "GOALGATE_DATABASE_URL": database_url}
    for command in (["upgrade", "head"], ["current"], ["check"]):
        done = subprocess.run(
            [sys.executable, "-m", "alembic", *command],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        if command == ["current"]:
            assert done.stdout.strip() == f"{head} (head)"
    assert "No new upgrade operations detected." in done.stdout


def test_head_names_the_newest_migration() -> None:
    """A process skips Alembic when the database is at ``migrations.HEAD``: a new
    migration that forgot to move it would never run."""
    script = ScriptDirectory.from_config(Config(ROOT / "alembic.ini"))
    assert script.get_heads() == [HEAD]


def _stamp_back(connection: Connection, revision: str) -> None:
    from alembic import command

    config = Config(ROOT / "alembic.ini")
    config.attributes["connection"] = connection
    command.downgrade(config, revision)


async def _revision_after_migrating_from(url: str, revision: str) -> tuple[str, list[Any]]:
    database = open_database(url)
    try:
        async with database.engine.begin() as connection:
            await connection.run_sync(_stamp_back, revision)
        await database.migrate()
        async with database.engine.connect() as connection:
            version = (
                await connection.exec_driver_sql("SELECT version_num FROM alembic_version")
            ).scalar_one()
            return version, await connection.run_sync(_differences)
    finally:
        await database.close()


def test_a_database_behind_the_head_is_migrated_at_start(database_url: str) -> None:
    """The quick check for an up-to-date schema does not skip a database one
    migration behind (0003: no event dimensions yet)."""
    assert asyncio.run(_revision_after_migrating_from(database_url, "0003")) == (HEAD, [])

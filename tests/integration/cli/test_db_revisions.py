"""``goalgate db upgrade`` / ``db downgrade REV``, and the refusal to serve a
database newer than the code (issue #25, item 5)."""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from goalgate.cli import app
from goalgate.storage import migrations
from goalgate.storage.db import open_database
from goalgate.storage.migrations import HEAD, REVISIONS
from tests.helpers.server import child_env


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A database at HEAD, in the data directory the commands use."""
    path = tmp_path / "data" / "goalgate.db"
    monkeypatch.delenv("GOALGATE_DATABASE_URL", raising=False)
    monkeypatch.setenv("GOALGATE_DATA_DIR", str(path.parent))

    async def migrate() -> None:
        db = open_database(f"sqlite+aiosqlite:///{path}")
        try:
            await db.migrate()
        finally:
            await db.close()

    asyncio.run(migrate())
    return path


def revision_of(path: Path) -> list[str]:
    with sqlite3.connect(path) as connection:
        return [row[0] for row in connection.execute("SELECT version_num FROM alembic_version")]


def tables_of(path: Path) -> set[str]:
    with sqlite3.connect(path) as connection:
        rows = connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        return {row[0] for row in rows}


def test_downgrade_then_upgrade(database: Path) -> None:
    runner = CliRunner()
    down = runner.invoke(app, ["db", "downgrade", "0004"])
    assert down.exit_code == 0, down.output
    assert down.stdout == (
        f"database downgraded from schema revision {HEAD} to 0004; start the goalgate release "
        "whose newest revision is 0004 (this one would upgrade it again)\n"
    )
    assert revision_of(database) == ["0004"]
    assert "visits" not in tables_of(database)  # 0005's table is gone
    up = runner.invoke(app, ["db", "upgrade"])
    assert up.exit_code == 0, up.output
    assert up.stdout == f"database upgraded from schema revision 0004 to {HEAD}\n"
    assert revision_of(database) == [HEAD]
    assert "visits" in tables_of(database)


def test_downgrade_to_an_unknown_revision(database: Path) -> None:
    result = CliRunner().invoke(app, ["db", "downgrade", "0042"])
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == (
        f"error: unknown schema revision 0042: this goalgate knows {', '.join(REVISIONS)}"
    )
    assert revision_of(database) == [HEAD]


def test_downgrade_to_the_current_revision_does_nothing(database: Path) -> None:
    result = CliRunner().invoke(app, ["db", "downgrade", HEAD])
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == (
        f"error: the database is at schema revision {HEAD}: {HEAD} is not older, "
        "nothing to downgrade"
    )
    assert revision_of(database) == [HEAD]


def too_new(revision: str) -> str:
    return (
        f"error: the database is at schema revision {revision}, newer than this goalgate "
        f"knows (its newest is {migrations.HEAD}): run the goalgate that upgraded it, or "
        "roll back as docs/operations.md says (Upgrades and rollback)"
    )


def test_serve_refuses_a_database_newer_than_the_code(
    database: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The code's expectations go back one release (0005 unknown): the database,
    migrated by 'today's' goalgate, is newer, and nothing is served or changed."""
    monkeypatch.setattr(migrations, "REVISIONS", REVISIONS[:-1])
    monkeypatch.setattr(migrations, "HEAD", REVISIONS[-2])
    result = CliRunner().invoke(app, ["serve", "--port", "1"])
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == too_new(HEAD)
    assert revision_of(database) == [HEAD]
    # Every command that opens the runtime refuses it too, and so does a downgrade
    # (this code has no downgrade from a revision it does not know).
    assert CliRunner().invoke(app, ["sites", "list"]).stderr.splitlines()[-1] == too_new(HEAD)
    down = CliRunner().invoke(app, ["db", "downgrade", REVISIONS[-3]])
    assert down.stderr.splitlines()[-1] == too_new(HEAD)
    assert revision_of(database) == [HEAD]


def test_a_real_serve_process_refuses_a_newer_database(database: Path, tmp_path: Path) -> None:
    with sqlite3.connect(database) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '0006'")
    env = child_env(f"sqlite+aiosqlite:///{database}")
    result = subprocess.run(
        [sys.executable, "-m", "goalgate.cli", "serve", "--port", "1"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines()[-1] == too_new("0006")
    assert revision_of(database) == ["0006"]

"""``goalgate db backup`` and ``db restore``: what they copy and every refusal.

The backup under concurrent ingestion is tests/concurrency/test_backup_restore.py.
"""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
import uuid
from pathlib import Path

import pytest
from typer.testing import CliRunner

from goalgate.cli import app
from goalgate.storage.db import open_database
from goalgate.storage.migrations import HEAD, REVISIONS
from tests.helpers.data import make_site
from tests.helpers.env import POSTGRES_URL, skip_or_fail


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.delenv("GOALGATE_DATABASE_URL", raising=False)
    monkeypatch.setenv("GOALGATE_DATA_DIR", str(tmp_path / "data"))
    return CliRunner()


@pytest.fixture
def live(tmp_path: Path) -> Path:
    """The data directory's database, with one site."""
    path = tmp_path / "data" / "goalgate.db"

    async def seed() -> None:
        db = open_database(f"sqlite+aiosqlite:///{path}")
        try:
            await db.migrate()
            await make_site(db, "sk_backup_cli")
        finally:
            await db.close()

    asyncio.run(seed())
    return path


def sites(path: Path) -> list[str]:
    with sqlite3.connect(path) as connection:
        return [row[0] for row in connection.execute("SELECT key FROM sites ORDER BY key")]


def test_backup_copies_the_database(runner: CliRunner, live: Path, tmp_path: Path) -> None:
    target = tmp_path / "copy.db"
    result = runner.invoke(app, ["db", "backup", str(target)])
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        f"backed up to {target} ({target.stat().st_size} bytes, schema revision {HEAD})\n"
    )
    assert sites(target) == ["sk_backup_cli"]
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_backup_refuses_an_existing_file(runner: CliRunner, live: Path, tmp_path: Path) -> None:
    target = tmp_path / "copy.db"
    target.write_text("keep me")
    result = runner.invoke(app, ["db", "backup", str(target)])
    assert result.exit_code == 2
    assert (
        result.stderr.splitlines()[-1] == f"error: {target} exists already: back up to a new file"
    )
    assert target.read_text() == "keep me"


def test_backup_refuses_a_missing_directory(runner: CliRunner, live: Path, tmp_path: Path) -> None:
    result = runner.invoke(app, ["db", "backup", str(tmp_path / "nowhere" / "copy.db")])
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == f"error: no such directory: {tmp_path / 'nowhere'}"


def test_backup_of_a_missing_database(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(app, ["db", "backup", str(tmp_path / "copy.db")])
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == (
        f"error: no database at {tmp_path / 'data' / 'goalgate.db'}"
    )
    assert not (tmp_path / "copy.db").exists()


def test_restore_into_an_empty_data_dir(runner: CliRunner, live: Path, tmp_path: Path) -> None:
    backup = tmp_path / "copy.db"
    assert runner.invoke(app, ["db", "backup", str(backup)]).exit_code == 0
    shutil.rmtree(tmp_path / "data")
    result = runner.invoke(app, ["db", "restore", str(backup)])
    assert result.exit_code == 0, result.output
    assert result.stdout == f"restored {backup} into {live} (schema revision {HEAD})\n"
    assert sites(live) == ["sk_backup_cli"]


def test_restore_over_an_existing_database_needs_force(
    runner: CliRunner, live: Path, tmp_path: Path
) -> None:
    backup = tmp_path / "copy.db"
    assert runner.invoke(app, ["db", "backup", str(backup)]).exit_code == 0
    with sqlite3.connect(live) as connection:
        connection.execute("UPDATE sites SET key = 'sk_changed_since'")
    refused = runner.invoke(app, ["db", "restore", str(backup)])
    assert refused.exit_code == 2
    assert refused.stderr.splitlines()[-1] == (
        f"error: {live} exists: stop goalgate, then restore with --force to replace it "
        "(back it up first if it may still be needed)"
    )
    assert sites(live) == ["sk_changed_since"]
    forced = runner.invoke(app, ["db", "restore", "--force", str(backup)])
    assert forced.exit_code == 0, forced.output
    assert sites(live) == ["sk_backup_cli"]


def test_restore_refuses_what_is_not_a_database(runner: CliRunner, tmp_path: Path) -> None:
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database at all, but long enough to have a header" * 20)
    result = runner.invoke(app, ["db", "restore", str(junk)])
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == (
        f"error: {junk} is not a goalgate database: file is not a database"
    )
    assert not (tmp_path / "data").exists()


def test_restore_refuses_a_sqlite_file_without_a_schema(runner: CliRunner, tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as connection:
        connection.execute("CREATE TABLE t (x)")
    result = runner.invoke(app, ["db", "restore", str(other)])
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == (
        f"error: {other} is not a goalgate database: no such table: alembic_version"
    )


def test_restore_refuses_a_backup_from_a_newer_goalgate(
    runner: CliRunner, live: Path, tmp_path: Path
) -> None:
    backup = tmp_path / "copy.db"
    assert runner.invoke(app, ["db", "backup", str(backup)]).exit_code == 0
    with sqlite3.connect(backup) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '0999'")
    result = runner.invoke(app, ["db", "restore", "--force", str(backup)])
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == (
        f"error: {backup} is at schema revision 0999, unknown to this goalgate "
        f"(it knows {REVISIONS[0]} to {HEAD}): restore it with the goalgate that wrote it"
    )
    assert sites(live) == ["sk_backup_cli"]


def test_restore_of_a_missing_file(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(app, ["db", "restore", str(tmp_path / "gone.db")])
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == f"error: no such file: {tmp_path / 'gone.db'}"


def test_postgres_without_pg_dump_explains_what_to_run(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GOALGATE_DATABASE_URL", "postgresql+asyncpg://gg:s3cret@db.internal/gg")
    monkeypatch.setenv("PATH", str(tmp_path))  # no pg_dump on it
    result = runner.invoke(app, ["db", "backup", str(tmp_path / "gg.dump")])
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == (
        "error: PostgreSQL databases are backed up and restored with pg_dump, which is not "
        "installed here: install the PostgreSQL client (Debian: apt-get install "
        "postgresql-client, the server's major version or newer), or run: pg_dump "
        f"--format=custom --file={tmp_path / 'gg.dump'} "
        "'postgresql://gg@db.internal/gg'"
    )
    assert "s3cret" not in result.output


@pytest.mark.postgres
def test_postgres_backup_and_restore_with_pg_dump(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if POSTGRES_URL is None:
        skip_or_fail("GOALGATE_TEST_POSTGRES_URL is not set: PostgreSQL not tested")
    assert POSTGRES_URL is not None
    if shutil.which("pg_dump") is None:
        skip_or_fail("pg_dump is not installed (apt-get install postgresql-client)")
    from tests.helpers.pg import migrated_database

    name = f"gg_backup_{uuid.uuid4().hex[:12]}"
    with migrated_database(POSTGRES_URL, name) as url:

        async def seed(key: str) -> None:
            db = open_database(url)
            try:
                await make_site(db, key)
            finally:
                await db.close()

        async def keys() -> list[str]:
            db = open_database(url)
            try:
                async with db.engine.connect() as connection:
                    from sqlalchemy import text

                    rows = await connection.execute(text("SELECT key FROM sites ORDER BY key"))
                    return [str(row[0]) for row in rows]
            finally:
                await db.close()

        asyncio.run(seed("sk_before_dump"))
        monkeypatch.setenv("GOALGATE_DATABASE_URL", url)
        dump = tmp_path / "gg.dump"
        backed = runner.invoke(app, ["db", "backup", str(dump)])
        assert backed.exit_code == 0, backed.output
        assert backed.stdout == f"backed up to {dump} ({dump.stat().st_size} bytes)\n"
        asyncio.run(seed("sk_after_dump"))
        assert asyncio.run(keys()) == ["sk_after_dump", "sk_before_dump"]
        refused = runner.invoke(app, ["db", "restore", str(dump)])
        assert refused.exit_code == 2
        assert refused.stderr.splitlines()[-1] == (
            f"error: restoring replaces every table of {url}: stop goalgate, then restore "
            "with --force (back it up first if it may still be needed)"
        )
        assert asyncio.run(keys()) == ["sk_after_dump", "sk_before_dump"]
        restored = runner.invoke(app, ["db", "restore", "--force", str(dump)])
        assert restored.exit_code == 0, restored.output
        assert restored.stdout == f"restored {dump} with pg_restore\n"
        assert asyncio.run(keys()) == ["sk_before_dump"]


def test_backup_and_restore_of_paths_with_uri_characters(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite opens the files through URIs: '?', '#' and '%' in a name stay in the path.
    (The database's own path is a SQLAlchemy URL, where '?' starts the options.)"""
    data = tmp_path / "data"
    monkeypatch.delenv("GOALGATE_DATABASE_URL", raising=False)
    monkeypatch.setenv("GOALGATE_DATA_DIR", str(data))
    runner = CliRunner()
    assert runner.invoke(app, ["db", "init"]).exit_code == 0
    backup = tmp_path / "back?up #1 %20.db"
    backed = runner.invoke(app, ["db", "backup", str(backup)])
    assert backed.exit_code == 0, backed.output
    assert backed.stdout == (
        f"backed up to {backup} ({backup.stat().st_size} bytes, schema revision {HEAD})\n"
    )
    restored = runner.invoke(app, ["db", "restore", "--force", str(backup)])
    assert restored.exit_code == 0, restored.output
    assert sites(data / "goalgate.db") == []

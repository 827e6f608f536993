"""Where goalgate keeps its data: GOALGATE_DATA_DIR, printed at start; serve refuses
to create a new empty SQLite database unless told to (issue #25, item 3)."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from goalgate import __version__
from goalgate.cli import app
from goalgate.settings import Settings
from goalgate.storage.location import printable, sqlite_file
from goalgate.storage.migrations import HEAD
from tests.helpers.server import Server, child_env


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.delenv("GOALGATE_DATABASE_URL", raising=False)
    monkeypatch.setenv("GOALGATE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.chdir(tmp_path)
    return CliRunner()


def test_default_data_dir_is_the_platforms_not_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GOALGATE_DATA_DIR", raising=False)
    monkeypatch.delenv("GOALGATE_DATABASE_URL", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.chdir(tmp_path)
    settings = Settings()
    assert settings.data_dir == tmp_path / "xdg" / "goalgate"
    assert settings.database_url == f"sqlite+aiosqlite:///{tmp_path}/xdg/goalgate/goalgate.db"


def test_relative_data_dir_is_made_absolute(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GOALGATE_DATABASE_URL", raising=False)
    monkeypatch.setenv("GOALGATE_DATA_DIR", "var")
    monkeypatch.chdir(tmp_path)
    settings = Settings()
    assert settings.data_dir == tmp_path / "var"
    assert settings.database_url == f"sqlite+aiosqlite:///{tmp_path}/var/goalgate.db"


def test_database_url_wins_over_data_dir(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOALGATE_DATA_DIR", "/srv/goalgate")
    monkeypatch.setenv("GOALGATE_DATABASE_URL", "postgresql+asyncpg://gg@db/goalgate")
    settings = Settings()
    assert settings.data_dir == Path("/srv/goalgate")
    assert settings.database_url == "postgresql+asyncpg://gg@db/goalgate"


def test_printable_url_hides_the_password_only() -> None:
    url = "postgresql+asyncpg://goalgate:s3cret@db.internal:5432/goalgate"
    assert printable(url) == "postgresql+asyncpg://goalgate:***@db.internal:5432/goalgate"
    assert printable("sqlite+aiosqlite:////var/lib/goalgate/goalgate.db") == (
        "sqlite+aiosqlite:////var/lib/goalgate/goalgate.db"
    )


def test_sqlite_file_of_urls() -> None:
    assert sqlite_file("sqlite+aiosqlite:////srv/g/goalgate.db") == Path("/srv/g/goalgate.db")
    assert sqlite_file("sqlite+aiosqlite:///:memory:") is None
    assert sqlite_file("postgresql+asyncpg://postgres@127.0.0.1/test") is None


def test_serve_refuses_a_missing_sqlite_database(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(app, ["serve", "--port", "1"])
    database = tmp_path / "data" / "goalgate.db"
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"error: no database at {database}: create it with 'goalgate db init' (or start "
        "with 'goalgate serve --create'), or point GOALGATE_DATA_DIR or "
        "GOALGATE_DATABASE_URL at the existing one",
    ]
    assert not database.exists()
    assert not (tmp_path / "data").exists()


def test_db_init_creates_then_finds_the_database(runner: CliRunner, tmp_path: Path) -> None:
    database = tmp_path / "data" / "goalgate.db"
    created = runner.invoke(app, ["db", "init"])
    assert created.exit_code == 0, created.output
    assert created.stdout == f"created database {database}\n"
    with sqlite3.connect(database) as connection:
        assert connection.execute("SELECT version_num FROM alembic_version").fetchall() == [(HEAD,)]
    again = runner.invoke(app, ["db", "init"])
    assert again.exit_code == 0
    assert again.stdout == f"database {database} exists already; its schema is up to date\n"


def test_demo_keeps_its_token_in_the_data_dir(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(app, ["demo"])
    assert result.exit_code == 0, result.output
    token = (tmp_path / "data" / "demo-token").read_text().strip()
    assert f"demo token: {token}" in result.stdout
    assert (tmp_path / "data" / "demo-token").stat().st_mode & 0o777 == 0o600
    assert not (tmp_path / "var").exists()


def test_a_bad_setting_is_one_line_not_a_traceback(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GOALGATE_PORT", "eighty")
    result = runner.invoke(app, ["db", "init"])
    assert result.exit_code == 2
    assert result.stderr == (
        "error: GOALGATE_PORT: Input should be a valid integer, unable to parse string as an "
        "integer\n"
    )


def test_serve_refusal_from_another_working_directory(tmp_path: Path) -> None:
    """The case of issue #25: the database exists, goalgate starts elsewhere without
    GOALGATE_DATA_DIR pointing at it; it fails loudly instead of serving nothing."""
    env = child_env("", GOALGATE_DATA_DIR=str(tmp_path / "elsewhere"))
    env.pop("GOALGATE_DATABASE_URL")
    result = subprocess.run(
        [sys.executable, "-m", "goalgate.cli", "serve"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert f"error: no database at {tmp_path / 'elsewhere' / 'goalgate.db'}" in result.stderr


def test_serve_create_starts_on_a_new_database_and_says_where(tmp_path: Path) -> None:
    database = tmp_path / "new" / "goalgate.db"
    server = Server(f"sqlite+aiosqlite:///{database}", workers=1, cwd=tmp_path)
    try:
        server.wait_ready()
        assert httpx.get(f"{server.base_url}/readyz", timeout=5).status_code == 200
    finally:
        # uvicorn shuts down, then re-raises the SIGTERM it caught.
        assert server.stop() == -15
    assert database.is_file()
    first = server.log.read_text().splitlines()[0]
    assert first.startswith(f"INFO:     goalgate {__version__}: data directory ")
    assert first.endswith(f", database sqlite+aiosqlite:///{database}")


def test_serve_says_where_as_a_json_log_line(tmp_path: Path) -> None:
    database = tmp_path / "goalgate.db"
    server = Server(
        f"sqlite+aiosqlite:///{database}",
        workers=1,
        cwd=tmp_path,
        env={"GOALGATE_LOG_FORMAT": "json", "GOALGATE_DATA_DIR": str(tmp_path)},
    )
    try:
        server.wait_ready()
    finally:
        server.stop()
    first = json.loads(server.log.read_text().splitlines()[0])
    assert {key: first[key] for key in ("level", "logger", "message")} == {
        "level": "INFO",
        "logger": "goalgate.serve",
        "message": f"goalgate {__version__}: data directory {tmp_path}, "
        f"database sqlite+aiosqlite:///{database}",
    }

"""The goalgate command: sites, tokens, demo; user errors are one line and exit 2."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from goalgate.cli import app
from goalgate.domain.tokens import is_well_formed
from goalgate.storage.migrations import HEAD


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("GOALGATE_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("GOALGATE_DATA_DIR", str(tmp_path / "var"))  # demo keeps its token there
    monkeypatch.chdir(tmp_path)
    return CliRunner()


def test_sites_create_then_list(runner: CliRunner) -> None:
    created = runner.invoke(
        app,
        [
            "sites",
            "create",
            "--key",
            "sk_shop",
            "--domain",
            "Shop.Example.com",
            "--timezone",
            "Europe/Berlin",
        ],
    )
    assert created.exit_code == 0, created.output
    assert created.stdout == "created site sk_shop (shop.example.com, Europe/Berlin)\n"
    listed = runner.invoke(app, ["sites", "list"])
    assert listed.exit_code == 0
    assert "sk_shop" in listed.stdout
    assert "Europe/Berlin" in listed.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--key", "a b", "--domain", "example.com"],
            "error: key: must be 3 to 64 letters, digits, '_' or '-'\n",
        ),
        (
            ["--key", "ab", "--domain", "example.com"],
            "error: key: must be 3 to 64 letters, digits, '_' or '-'\n",
        ),
        (
            ["--key", "sk_x", "--domain", "example.com", "--timezone", "Mars/Base"],
            "error: timezone: must be an IANA time zone name like Europe/Berlin\n",
        ),
        (
            ["--key", "sk_x", "--domain", "not a domain"],
            "error: domain: must be a host name such as example.com\n",
        ),
    ],
)
def test_bad_site_arguments_give_one_line_and_exit_2(
    runner: CliRunner, args: list[str], message: str
) -> None:
    result = runner.invoke(app, ["sites", "create", *args])
    assert result.exit_code == 2
    assert result.stderr == message
    assert result.stdout == ""
    assert "Traceback" not in result.output


def test_duplicate_site_key_is_an_error(runner: CliRunner) -> None:
    assert (
        runner.invoke(app, ["sites", "create", "--key", "sk_a", "--domain", "a.com"]).exit_code == 0
    )
    again = runner.invoke(app, ["sites", "create", "--key", "sk_a", "--domain", "b.com"])
    assert again.exit_code == 2
    assert again.stderr == "error: key: taken\n"


def test_tokens_create_prints_only_the_secret(runner: CliRunner) -> None:
    runner.invoke(app, ["sites", "create", "--key", "sk_a", "--domain", "a.com"])
    result = runner.invoke(
        app, ["tokens", "create", "--name", "ci", "--scope", "analytics:read", "--site", "sk_a"]
    )
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == 1
    assert is_well_formed(lines[0])
    listed = runner.invoke(app, ["tokens", "list"])
    assert "ci" in listed.stdout
    assert lines[0] not in listed.stdout  # the secret is never shown again
    assert lines[0][:9] in listed.stdout  # its display prefix is


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--name", "x", "--scope", "analytics:admin"],
            "error: scope: unknown scope 'analytics:admin'"
            " (known: analytics:read, analytics:write)\n",
        ),
        (
            ["--name", "x", "--scope", "analytics:read", "--site", "sk_missing"],
            "error: site: no such site: sk_missing\n",
        ),
        (
            ["--name", "  ", "--scope", "analytics:read"],
            "error: name: must be 1 to 120 characters\n",
        ),
    ],
)
def test_bad_token_arguments_give_one_line_and_exit_2(
    runner: CliRunner, args: list[str], message: str
) -> None:
    result = runner.invoke(app, ["tokens", "create", *args])
    assert result.exit_code == 2
    assert result.stderr == message


def test_tokens_revoke(runner: CliRunner) -> None:
    runner.invoke(app, ["tokens", "create", "--name", "old", "--scope", "analytics:read"])
    revoked = runner.invoke(app, ["tokens", "revoke", "1"])
    assert revoked.exit_code == 0
    assert revoked.stdout == "revoked token 1 (old)\n"
    missing = runner.invoke(app, ["tokens", "revoke", "99"])
    assert missing.exit_code == 2
    assert missing.stderr == "error: no token with id 99\n"
    not_a_number = runner.invoke(app, ["tokens", "revoke", "abc"])
    assert not_a_number.exit_code == 2
    assert "Traceback" not in not_a_number.output


def test_demo_is_idempotent_and_keeps_printing_a_working_token(
    runner: CliRunner, tmp_path: Path
) -> None:
    first = runner.invoke(app, ["demo"])
    assert first.exit_code == 0, first.output
    second = runner.invoke(app, ["demo"])
    assert second.exit_code == 0
    token_line = [line for line in first.stdout.splitlines() if line.startswith("demo token:")]
    assert token_line == [
        line for line in second.stdout.splitlines() if line.startswith("demo token:")
    ]
    secret = token_line[0].split()[-1]
    assert is_well_formed(secret)
    assert (tmp_path / "var" / "demo-token").read_text() == secret + "\n"
    assert (tmp_path / "var" / "demo-token").stat().st_mode & 0o777 == 0o600
    sites = runner.invoke(app, ["sites", "list"])
    assert sites.stdout.count("sk_demo") == 1


def test_db_upgrade(runner: CliRunner) -> None:
    result = runner.invoke(app, ["db", "upgrade"])
    assert result.exit_code == 0
    assert result.stdout == f"database created at schema revision {HEAD}\n"
    again = runner.invoke(app, ["db", "upgrade"])
    assert again.exit_code == 0
    assert again.stdout == f"database is up to date (schema revision {HEAD})\n"

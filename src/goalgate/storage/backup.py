"""Back up and restore the database: SQLite's online backup API, PostgreSQL's pg_dump.

A SQLite backup copies every page in one step of the backup API, under one
read transaction: with the WAL journal, writers (a serving goalgate) go on
meanwhile, and the copy is the database as of one commit, never half of a
transaction. It is written next to the target and renamed into place, so a
failed backup leaves no partial file. A restore checks that the file is an
intact goalgate database no newer than this code, then copies it into the
database through the same API (replacing its content in one transaction).

PostgreSQL is backed up by ``pg_dump`` (custom format) and restored by
``pg_restore``; the password goes to them in ``PGPASSWORD``, never on a
command line that ``ps`` shows.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import URL, make_url

from goalgate.storage.location import printable, sqlite_file
from goalgate.storage.migrations import REVISIONS

__all__ = ["BackupError", "Copied", "backup", "restore"]

_BUSY_TIMEOUT_MS = 30_000


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says why and what to do."""


@dataclass(frozen=True, slots=True)
class Copied:
    """What a backup or restore copied: the file and the schema revision it holds."""

    path: Path
    revision: str | None
    size: int


def backup(url: str, target: Path) -> Copied:
    """Copy the database at ``url`` to ``target`` (a new file), consistent while serving."""
    if target.exists():
        raise BackupError(f"{target} exists already: back up to a new file")
    if not target.parent.is_dir():
        raise BackupError(f"no such directory: {target.parent}")
    source = sqlite_file(url)
    if source is None:
        if make_url(url).get_backend_name() != "postgresql":
            raise BackupError("only SQLite files and PostgreSQL databases can be backed up")
        _pg_dump(url, target)
        return Copied(target, None, target.stat().st_size)
    if not source.is_file():
        raise BackupError(f"no database at {source}")
    partial = target.with_name(f".{target.name}.partial")
    try:
        _sqlite_copy(source, partial)
        revision = _check(partial)
        os.replace(partial, target)
    finally:
        for leftover in ("", "-wal", "-shm", "-journal"):
            partial.with_name(partial.name + leftover).unlink(missing_ok=True)
    return Copied(target, revision, target.stat().st_size)


def restore(url: str, source: Path, *, force: bool = False) -> Copied:
    """Replace the database at ``url`` with the backup ``source``.

    An existing SQLite database is only replaced with ``force``; goalgate must
    not be serving it (docs/operations.md, "Backup and restore").
    """
    if not source.is_file():
        raise BackupError(f"no such file: {source}")
    target = sqlite_file(url)
    if target is None:
        if make_url(url).get_backend_name() != "postgresql":
            raise BackupError("only SQLite files and PostgreSQL databases can be restored")
        if not force:
            raise BackupError(
                f"restoring replaces every table of {printable(url)}: stop goalgate, then "
                "restore with --force (back it up first if it may still be needed)"
            )
        _pg_restore(url, source)
        return Copied(source, None, source.stat().st_size)
    revision = _check(source)
    if target.exists() and not force:
        raise BackupError(
            f"{target} exists: stop goalgate, then restore with --force to replace it "
            "(back it up first if it may still be needed)"
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    # Into the database's own file: goalgate's connections set WAL again.
    _sqlite_copy(source, target, keep_journal=True)
    return Copied(target, revision, target.stat().st_size)


def _sqlite_copy(source: Path, target: Path, *, keep_journal: bool = False) -> None:
    """Every page of ``source`` into ``target`` in one step of SQLite's backup API."""
    reader = sqlite3.connect(_read_only(source), uri=True)
    try:
        reader.execute(f"PRAGMA busy_timeout={_BUSY_TIMEOUT_MS}")
        writer = sqlite3.connect(target)
        try:
            writer.execute(f"PRAGMA busy_timeout={_BUSY_TIMEOUT_MS}")
            reader.backup(writer)  # pages=-1: all at once, one consistent snapshot
            if not keep_journal:
                # A backup is one self-contained file: no -wal or -shm beside it.
                writer.execute("PRAGMA journal_mode=DELETE")
        finally:
            writer.close()
    except sqlite3.Error as exc:
        raise BackupError(f"copying {source} failed: {exc}") from None
    finally:
        reader.close()


def _read_only(path: Path) -> str:
    """A read-only SQLite URI of ``path`` (percent-encoded: a '?' or '#' in a name stays
    part of the path)."""
    return f"{path.absolute().as_uri()}?mode=ro"


def _check(path: Path) -> str:
    """The schema revision of an intact goalgate database file; BackupError otherwise."""
    try:
        connection = sqlite3.connect(_read_only(path), uri=True)
        try:
            (verdict,) = connection.execute("PRAGMA quick_check").fetchone()
            rows = connection.execute("SELECT version_num FROM alembic_version").fetchall()
        finally:
            connection.close()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} is not a goalgate database: {exc}") from None
    if verdict != "ok":
        raise BackupError(f"{path} is damaged: {verdict}")
    if len(rows) != 1:
        raise BackupError(f"{path} is not a goalgate database: no schema revision")
    revision = str(rows[0][0])
    if revision not in REVISIONS:
        raise BackupError(
            f"{path} is at schema revision {revision}, unknown to this goalgate "
            f"(it knows {REVISIONS[0]} to {REVISIONS[-1]}): restore it with the goalgate "
            "that wrote it"
        )
    return revision


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """The libpq URL of a SQLAlchemy one (without password) and the environment with it."""
    parsed = make_url(url)
    env = dict(os.environ)
    if parsed.password is not None:
        env["PGPASSWORD"] = str(parsed.password)
    plain = URL.create(
        "postgresql",
        username=parsed.username,
        host=parsed.host,
        port=parsed.port,
        database=parsed.database,
        query=parsed.query,
    )
    return plain.render_as_string(hide_password=False), env


def _run_pg(tool: str, args: list[str], url: str, *, shown_args: list[str] | None = None) -> None:
    """Run ``tool`` with ``args`` ("{url}" in them: the database); explain when it is missing."""
    found = shutil.which(tool)
    libpq, env = _libpq(url)
    if found is None:
        shown = " ".join([tool, *(shown_args or args)]).replace("{url}", f"'{libpq}'", 1)
        raise BackupError(
            f"PostgreSQL databases are backed up and restored with {tool}, which is not "
            f"installed here: install the PostgreSQL client (Debian: apt-get install "
            f"postgresql-client, the server's major version or newer), or run: {shown}"
        )
    command = [found, *(arg.replace("{url}", libpq) for arg in args)]
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        detail = result.stderr.strip().splitlines()
        raise BackupError(f"{tool} failed: {detail[-1] if detail else result.returncode}")


def _pg_dump(url: str, target: Path) -> None:
    partial = target.with_name(f".{target.name}.partial")
    try:
        _run_pg(
            "pg_dump",
            ["--format=custom", f"--file={partial}", "{url}"],
            url,
            shown_args=["--format=custom", f"--file={target}", "{url}"],
        )
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)


def _pg_restore(url: str, source: Path) -> None:
    _run_pg(
        "pg_restore",
        [
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            "--dbname={url}",
            str(source),
        ],
        url,
    )

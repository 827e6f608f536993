"""Where a database URL points: its SQLite file, and a form safe to print.

Plain string work over SQLAlchemy's URL parser, with no engine: the CLI asks
before it opens anything (``serve`` refuses a SQLite file that does not exist
yet; every command prints the URL it uses without its password).
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import make_url

__all__ = ["is_sqlite", "printable", "sqlite_file"]


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite URL; None for another backend or an in-memory database."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def printable(url: str) -> str:
    """``url`` with its password replaced by ``***``: fit for a log or a terminal."""
    return make_url(url).render_as_string(hide_password=True)

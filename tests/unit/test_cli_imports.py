"""The CLI answers --help and --version without importing the server's libraries.

Each check runs a fresh interpreter (a module imported by an earlier test would
hide a regression) and lists the top-level packages it ended up with.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from goalgate import __version__
from goalgate.cli import IMPORT_BATCH
from goalgate.services import imports

# What costs the time: ~0.6 s of SQLAlchemy alone (issue #25), then the rest
# of the server, the settings' pydantic, and Rich's help renderer.
HEAVY = frozenset(
    {
        "sqlalchemy",
        "sqlmodel",
        "aiosqlite",
        "alembic",
        "strawberry",
        "graphql",
        "litestar",
        "uvicorn",
        "pydantic",
        "pydantic_settings",
        "prometheus_client",
        "msgspec",
        "ua_parser",
        "maxminddb",
        "asyncio",
        "rich",
    }
)

_PROBE = """
import json, sys
sys.argv = ["goalgate", *json.loads(sys.argv[1])]
from goalgate.cli import main
try:
    main()
except SystemExit as exit:
    code = exit.code
else:
    code = 0
sys.stderr.write(json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""


def _run(*args: str) -> tuple[int, str, set[str]]:
    result = subprocess.run(
        [sys.executable, "-c", _PROBE, json.dumps(list(args))],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    report = json.loads(result.stderr)
    packages = {name.partition(".")[0] for name in report["modules"]}
    return report["code"], result.stdout, packages


@pytest.mark.parametrize(
    "args",
    [
        ("--help",),
        ("--version",),
        ("db", "--help"),
        ("serve", "--help"),
        ("events", "import", "--help"),
    ],
)
def test_help_and_version_import_no_heavy_module(args: tuple[str, ...]) -> None:
    code, stdout, packages = _run(*args)
    assert code == 0
    assert packages & HEAVY == set()
    assert stdout.startswith("goalgate " if args == ("--version",) else "Usage: goalgate")


def test_version_prints_the_package_version() -> None:
    _, stdout, _ = _run("--version")
    assert stdout == f"goalgate {__version__}\n"


def test_unknown_option_fails_with_usage_and_no_heavy_module() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "goalgate.cli", "--no-such-option"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "No such option: --no-such-option" in result.stderr
    assert "Traceback" not in result.stderr


def test_import_batch_default_matches_the_service() -> None:
    assert IMPORT_BATCH == imports.IMPORT_BATCH == 1000

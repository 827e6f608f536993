"""The service recipes in deploy/: what can be checked without a container daemon.

The systemd unit goes through ``systemd-analyze verify`` (an unknown key or a bad
value is only a warning there, so its output must be empty); the Dockerfile and the
compose file are parsed for the instructions and settings they must keep; every
goalgate command line in them must parse with today's options.
"""

from __future__ import annotations

import io
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from dockerfile_parse import DockerfileParser
from typer.testing import CliRunner

from goalgate.cli import app
from tests.helpers.env import skip_or_fail

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


def _unit() -> dict[str, list[str]]:
    """The unit's [Service] keys, each with its values in order."""
    keys: dict[str, list[str]] = {}
    section = ""
    for line in (DEPLOY / "goalgate.service").read_text().splitlines():
        if line.startswith("["):
            section = line
        elif section == "[Service]" and "=" in line and not line.startswith("#"):
            key, _, value = line.partition("=")
            keys.setdefault(key, []).append(value)
    return keys


def _parses(args: list[str]) -> None:
    """``goalgate ARGS --help`` exits 0: the command and its options exist."""
    result = CliRunner().invoke(app, [*args, "--help"])
    assert result.exit_code == 0, result.output


def test_systemd_unit_verifies(tmp_path: Path) -> None:
    if shutil.which("systemd-analyze") is None:
        skip_or_fail(
            "systemd-analyze is not installed (apt-get install systemd): unit not verified"
        )
    # verify checks that ExecStart's program exists: point it at this checkout's.
    goalgate = Path(sys.executable).with_name("goalgate")
    unit = tmp_path / "goalgate.service"
    unit.write_text(
        (DEPLOY / "goalgate.service")
        .read_text()
        .replace("/opt/goalgate/bin/goalgate", str(goalgate))
    )
    result = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", str(unit)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def test_systemd_unit_serves_from_its_state_directory_hardened() -> None:
    unit = _unit()
    assert unit["ExecStart"] == ["/opt/goalgate/bin/goalgate serve --workers 2"]
    assert unit["Environment"] == ["GOALGATE_DATA_DIR=/var/lib/goalgate", "PYTHONUNBUFFERED=1"]
    assert unit["StateDirectory"] == ["goalgate"]
    assert unit["User"] == ["goalgate"]
    assert unit["KillSignal"] == ["SIGTERM"]
    for key, value in {
        "NoNewPrivileges": "yes",
        "ProtectSystem": "strict",
        "ProtectHome": "yes",
        "PrivateTmp": "yes",
        "CapabilityBoundingSet": "",
    }.items():
        assert unit[key] == [value], key
    _parses(shlex.split(unit["ExecStart"][0])[1:])


@pytest.fixture(scope="module")
def dockerfile() -> DockerfileParser:
    return DockerfileParser(fileobj=io.BytesIO((DEPLOY / "Dockerfile").read_bytes()))


def test_dockerfile_builds_a_wheel_and_runs_it_unprivileged(dockerfile: DockerfileParser) -> None:
    instructions = [(i["instruction"], i["value"]) for i in dockerfile.structure]
    froms = [value for kind, value in instructions if kind == "FROM"]
    assert froms == ["python:3.12-slim AS build", "python:3.12-slim"]
    assert ("RUN", "pip wheel --no-cache-dir --no-deps --wheel-dir /wheels .") in instructions
    assert dockerfile.baseimage == "python:3.12-slim"
    # The final stage's settings and how it starts.
    final = instructions[[kind for kind, _ in instructions].index("FROM", 1) :]
    kinds = [kind for kind, _ in final]
    assert kinds.index("USER") < kinds.index("ENTRYPOINT")
    assert dict(final)["USER"] == "goalgate"
    assert dockerfile.envs["GOALGATE_DATA_DIR"] == "/var/lib/goalgate"
    assert dockerfile.envs["GOALGATE_HOST"] == "0.0.0.0"  # noqa: S104  (in the container)
    assert dockerfile.envs["GOALGATE_PORT"] == "8000"
    assert dict(final)["EXPOSE"] == "8000"
    assert dict(final)["VOLUME"] == '["/var/lib/goalgate"]'
    assert "/healthz" in dict(final)["HEALTHCHECK"]
    assert dict(final)["ENTRYPOINT"] == '["goalgate"]'
    assert dict(final)["CMD"] == '["serve", "--workers", "2"]'
    _parses(["serve", "--workers", "2"])


def test_dockerfile_copies_only_what_the_wheel_needs(dockerfile: DockerfileParser) -> None:
    copies = [i["value"] for i in dockerfile.structure if i["instruction"] == "COPY"]
    assert copies == ["pyproject.toml README.md ./", "src ./src", "--from=build /wheels /wheels"]
    root = DEPLOY.parent
    for source in ("pyproject.toml", "README.md", "src"):
        assert (root / source).exists(), source
    ignored = (DEPLOY / "Dockerfile.dockerignore").read_text().splitlines()
    assert ignored[1:4] == ["*", "!pyproject.toml", "!README.md"]


def test_compose_runs_goalgate_on_postgres_and_redis() -> None:
    compose: dict[str, Any] = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = compose["services"]
    assert sorted(services) == ["goalgate", "postgres", "redis"]
    goalgate = services["goalgate"]
    assert goalgate["build"] == {"context": "..", "dockerfile": "deploy/Dockerfile"}
    assert (DEPLOY / goalgate["build"]["context"] / goalgate["build"]["dockerfile"]).is_file()
    environment = goalgate["environment"]
    assert environment["GOALGATE_DATABASE_URL"] == (
        "postgresql+asyncpg://goalgate:${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD}"
        "@postgres:5432/goalgate"
    )
    assert environment["GOALGATE_REDIS_URL"] == "redis://redis:6379/0"
    assert goalgate["depends_on"] == {
        "postgres": {"condition": "service_healthy"},
        "redis": {"condition": "service_healthy"},
    }
    assert goalgate["ports"] == ["127.0.0.1:8000:8000"]
    assert services["postgres"]["environment"]["POSTGRES_DB"] == "goalgate"
    assert services["postgres"]["healthcheck"]["test"][:2] == ["CMD", "pg_isready"]
    assert services["redis"]["healthcheck"]["test"] == ["CMD", "redis-cli", "ping"]
    assert compose["volumes"] == {"pgdata": None}
    _parses(goalgate["command"])

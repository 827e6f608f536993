"""The Node.js tools the tests run, from tests/node_modules (pinned in tests/package.json).

``make test`` runs ``npm ci`` in tests/ when npm is installed. Without node, or
without npm to install the tools, a test that needs one skips, saying why (and
fails under GOALGATE_TEST_STRICT=1); with npm but without the package it fails,
naming the fix.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path

from tests.helpers.env import skip_or_fail
from tests.helpers.server import ROOT

NODE_MODULES = ROOT / "tests" / "node_modules"


def node_with(package: str, what: str) -> str:
    """The node executable, once ``package`` is installed in tests/node_modules."""
    node = shutil.which("node")
    if node is None:
        skip_or_fail(f"node is not installed: {what} did not run")
    assert node is not None
    if not (NODE_MODULES / package / "package.json").is_file():
        if shutil.which("npm") is None:
            skip_or_fail(f"npm is not installed (tests/node_modules is empty): {what} did not run")
        raise AssertionError(
            f"tests/node_modules has no {package}: run `make test` (or `npm ci` in tests/)"
        )
    return node


def package_bin(package: str, name: str | None = None) -> Path:
    """The script of a package's ``bin`` entry (run with node, not through a shim)."""
    manifest = json.loads((NODE_MODULES / package / "package.json").read_text())
    bins = manifest["bin"]
    script = bins if isinstance(bins, str) else bins[name or package.split("/")[-1]]
    return NODE_MODULES / package / script


def run_node_now(
    node: str,
    args: list[str | Path],
    *,
    cwd: Path,
    env: Mapping[str, str] | None = None,
    limit_s: float = 300,
) -> subprocess.CompletedProcess[str]:
    """``node args...``; stdout and stderr captured as text."""
    return subprocess.run(
        [node, *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=limit_s,
        env={**os.environ, **(env or {})},
        check=False,
    )


async def run_node(
    node: str,
    args: list[str | Path],
    *,
    cwd: Path,
    env: Mapping[str, str] | None = None,
    limit_s: float = 300,
) -> subprocess.CompletedProcess[str]:
    """``run_node_now`` off the event loop (a test's server answers meanwhile)."""
    return await asyncio.to_thread(run_node_now, node, args, cwd=cwd, env=env, limit_s=limit_s)

"""Run ``goalgate serve`` as a real subprocess on a free port, for end-to-end tests."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]


def child_env(database_url: str, **extra: str) -> dict[str, str]:
    """The environment of a child process: this checkout's src first, one database."""
    import goalgate

    src = str(Path(goalgate.__file__).resolve().parents[1])
    return {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([src, str(ROOT)]),
        "GOALGATE_DATABASE_URL": database_url,
        **extra,
    }


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


class Server:
    """``goalgate serve --workers N`` in its own process group."""

    def __init__(
        self, database_url: str, *, workers: int, cwd: Path, env: dict[str, str] | None = None
    ) -> None:
        self.database_url = database_url
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log = cwd / f"server-{self.port}.log"
        command = [sys.executable, "-c", "from goalgate.cli import main; main()", "serve"]
        command += ["--workers", str(workers), "--host", "127.0.0.1", "--port", str(self.port)]
        # A test's database may be a new file (tests/integration/cli/test_data_location.py
        # checks that serve refuses one without --create).
        command += ["--create"]
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                command,
                cwd=cwd,
                env=child_env(database_url, **(env or {})),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"server exited early:\n{self.log.read_text()}")
            try:
                if httpx.get(f"{self.base_url}/readyz", timeout=1.0).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise AssertionError(f"server not ready after {timeout} s:\n{self.log.read_text()}")

    def worker_pids(self) -> list[int]:
        """The uvicorn workers: spawned children, not multiprocessing's resource tracker."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [
            int(pid)
            for pid in children.read_text().split()
            if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes()
        ]

    def stop(self, timeout: float = 30.0) -> int:
        """SIGTERM, as a service manager would; returns the exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=timeout)

    def kill(self) -> None:
        """SIGKILL the whole group (server and workers) at once: a crash."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)


@asynccontextmanager
async def serving(database_url: str, cwd: Path, **env: str) -> AsyncIterator[Server]:
    """``goalgate serve`` (one worker) on ``database_url`` with extra GOALGATE_ settings."""
    server = Server(database_url, workers=1, cwd=cwd, env=env)
    try:
        await asyncio.to_thread(server.wait_ready)
        yield server
    finally:
        await asyncio.to_thread(server.stop)


async def early_in_an_hour(latest: float = 3590.0) -> None:
    """Wait, if need be, until a whole-hour rate window has ``3600 - latest`` s left.

    Fixed windows start on each whole hour (of the Unix epoch): a test that
    counts to a limit must not cross into the next window halfway. The tests
    that call this count for 1 to 3 s under an "N/hour" limit, so 10 s left is
    room enough on a loaded machine and the wait happens in 1 run of 360. With
    "N/minute" limits it was a sixth of runs, 5 s on average (up to 30 s a run
    for the three tests).
    """
    into = time.time() % 3600
    if into > latest:
        await asyncio.sleep(3600.5 - into)

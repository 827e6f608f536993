"""Run a real goalgate server (uvicorn, separate process) on a loopback port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serving(
    database_url: str,
    *,
    workers: int = 1,
    extra_env: dict[str, str] | None = None,
    cli: str = "goalgate.cli",
) -> Iterator[str]:
    """Start ``goalgate serve`` on the database; yield its base URL; stop it.

    ``cli`` is the module run as the command (``bench.visits_off``: the same
    server with visit tracking off)."""
    port = free_port()
    env = {
        **os.environ,
        "GOALGATE_DATABASE_URL": database_url,
        # The limiter stays on (its counter write is part of every request's
        # cost) but so high that the benchmark's traffic never trips it.
        "GOALGATE_RATE_LIMIT_TOKEN": "10000000/minute",
        "GOALGATE_RATE_LIMIT_INGEST": "10000000/minute",
        "GOALGATE_RATE_LIMIT_INGEST_EVENTS": "1000000000/minute",
        "GOALGATE_MAX_NEW_KEYS_PER_DAY": "1000000000",
        **(extra_env or {}),
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            cli,
            "serve",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--create",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(
                    f"server exited: {process.stderr.read().decode() if process.stderr else ''}"
                )
            try:
                if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("server did not become ready in 60 s")
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

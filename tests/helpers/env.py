"""The outside services a test run has, from the environment, and skipping without one."""

from __future__ import annotations

import os

import pytest

POSTGRES_URL = os.environ.get("GOALGATE_TEST_POSTGRES_URL")
# Under pytest-xdist, which worker this is: 0 for "gw0" (and without xdist), 1 for "gw1"...
WORKER = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)


def _redis_of_this_worker(url: str | None) -> str | None:
    """The Redis database of this worker: the one configured for the first, the
    ones below it for the others (15, 14, ... wrapping at 0), so that workers
    never empty each other's. Pub/sub channels are shared by every database:
    the tests that publish run on one worker (the "redis-pubsub" xdist group)."""
    if url is None or WORKER == 0:
        return url
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    database = (int(parsed.database or 0) - WORKER) % 16
    return parsed.set(database=str(database)).render_as_string(hide_password=False)


REDIS_URL = _redis_of_this_worker(os.environ.get("GOALGATE_TEST_REDIS_URL"))
# CI sets this: a missing service is then a failure, never a silent skip.
STRICT = os.environ.get("GOALGATE_TEST_STRICT") == "1"


def skip_or_fail(reason: str) -> None:
    """Skip with a visible reason on a developer's machine; fail under CI."""
    if STRICT:
        pytest.fail(f"GOALGATE_TEST_STRICT=1 but {reason}")
    pytest.skip(reason)

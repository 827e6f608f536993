"""The outside services a test run has, from the environment, and skipping without one."""

from __future__ import annotations

import os

import pytest

POSTGRES_URL = os.environ.get("GOALGATE_TEST_POSTGRES_URL")
REDIS_URL = os.environ.get("GOALGATE_TEST_REDIS_URL")
# CI sets this: a missing service is then a failure, never a silent skip.
STRICT = os.environ.get("GOALGATE_TEST_STRICT") == "1"


def skip_or_fail(reason: str) -> None:
    """Skip with a visible reason on a developer's machine; fail under CI."""
    if STRICT:
        pytest.fail(f"GOALGATE_TEST_STRICT=1 but {reason}")
    pytest.skip(reason)

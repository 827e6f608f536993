"""The statement that adds a worker's rate-limit counts to the shared counters."""

from __future__ import annotations

import functools

from goalgate.storage.dialect import Dialect
from goalgate.storage.sql.fragments import JsonRows

__all__ = ["COUNTS", "add_counts"]

# One row per (key, window): the hits to add and when the window may be forgotten.
COUNTS = JsonRows(
    "counts",
    "counts",
    (("key", "text"), ("window_start", "bigint"), ("hits", "bigint"), ("expires_at", "bigint")),
)


@functools.cache
def add_counts(dialect: Dialect) -> str:
    """Add each row of ``:counts`` to its counter (created at 0); returns (key,
    window_start, hits) of each. One text for any number of rows: no statement to
    compile per batch size. ``WHERE true``: SQLite's parser needs it before ON CONFLICT
    in an INSERT ... SELECT."""
    return (
        f"WITH {COUNTS.cte(dialect)} "  # noqa: S608 (constant names)
        "INSERT INTO rate_counters (key, window_start, hits, expires_at) "
        "SELECT key, window_start, hits, expires_at FROM counts WHERE true "
        "ON CONFLICT (key, window_start) DO UPDATE SET hits = rate_counters.hits + excluded.hits "
        "RETURNING key, window_start, hits"
    )

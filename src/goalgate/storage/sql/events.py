"""Statements that append events and read or add dictionary keys, on the
embedded appender's own connection and in sessions."""

from __future__ import annotations

from goalgate.domain.dimensions import STORED
from goalgate.storage.sql.visits import EVENT_VISIT_COLUMNS

__all__ = [
    "DIMENSION_COLUMNS",
    "EVENT_COLUMNS",
    "INSERT_EVENT",
    "INSERT_KEYS",
    "KEYS_AFTER",
    "KEY_ID",
    "key_values",
]

KEYS_AFTER = (
    "SELECT id, value FROM event_keys WHERE site_id = :site AND kind = :kind AND id > :after "
    "ORDER BY id LIMIT :chunk"
)


def key_values(count: int) -> str:
    """The (id, value) of ``count`` key ids of a site, bound to ``:site`` and ``:k0``..."""
    names = ", ".join(f":k{n}" for n in range(count))
    return f"SELECT id, value FROM event_keys WHERE site_id = :site AND id IN ({names})"  # noqa: S608


# The dimension columns of events, all written on every insert (NULL: unknown).
DIMENSION_COLUMNS = tuple(dimension.column for dimension in STORED)
EVENT_COLUMNS = (
    "site_id",
    "key_id",
    "ts",
    "visitor",
    "revenue_micros",
    "revenue_currency",
    *DIMENSION_COLUMNS,
    *EVENT_VISIT_COLUMNS,
)
INSERT_EVENT = (
    f"INSERT INTO events ({', '.join(EVENT_COLUMNS)}) "  # noqa: S608 (constant names)
    f"VALUES ({', '.join(':' + name for name in EVENT_COLUMNS)})"
)
INSERT_KEYS = (
    "INSERT INTO event_keys (site_id, kind, value) VALUES (:site, :kind, :value) "
    "ON CONFLICT DO NOTHING"
)
KEY_ID = "SELECT id FROM event_keys WHERE site_id = :site AND kind = :kind AND value = :value"

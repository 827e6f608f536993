"""Plain read models of the rows hot paths read: sites, goals and tokens.

The ORM's table models are the write side (validation of changes, flushes,
row locks). A read that only shows rows does not need an identity map or
change tracking, and building a SQLModel instance costs ~20x a slotted
dataclass, so hot reads return these records, built from ``Database.reader``
rows. Each has the table model's attribute names, and ``of()`` turns a
freshly written table row into one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from goalgate.storage.tables import Goal, Site

__all__ = ["GoalRecord", "SiteRecord", "TokenRecord", "as_utc", "json_list"]


def as_utc(value: Any) -> datetime | None:
    """A stored instant as an aware UTC datetime (SQLite keeps text, PostgreSQL datetimes)."""
    if value is None:
        return None
    if isinstance(value, str):
        return _parse_utc(value)
    assert isinstance(value, datetime)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


@lru_cache(maxsize=8192)
def _parse_utc(text: str) -> datetime:
    # The same goals' timestamps are read on every list: parse each once.
    value = datetime.fromisoformat(text)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def json_list(value: Any) -> list[str] | None:
    """A JSON column holding a list of strings (or null), as the driver returned it."""
    if isinstance(value, str):
        value = json.loads(value)
    return None if value is None else [str(item) for item in value]


@dataclass(frozen=True, slots=True)
class SiteRecord:
    id: int
    key: str
    domain: str
    timezone: str

    COLUMNS = "id, key, domain, timezone"

    @classmethod
    def of(cls, site: Site) -> SiteRecord:
        assert site.id is not None  # a flushed or loaded row has its id
        return cls(site.id, site.key, site.domain, site.timezone)

    @classmethod
    def from_row(cls, row: Any) -> SiteRecord:
        return cls(int(row[0]), str(row[1]), str(row[2]), str(row[3]))


@dataclass(frozen=True, slots=True)
class GoalRecord:
    id: str
    site_id: int
    name: str
    type: str
    match_type: str
    match_value: str
    currency: str | None
    created_at: datetime
    updated_at: datetime
    version: int

    COLUMNS = (
        "id, site_id, name, type, match_type, match_value, currency, created_at, "
        "updated_at, version"
    )

    @classmethod
    def of(cls, goal: Goal) -> GoalRecord:
        return cls(
            goal.id,
            goal.site_id,
            goal.name,
            goal.type,
            goal.match_type,
            goal.match_value,
            goal.currency,
            goal.created_at,
            goal.updated_at,
            goal.version,
        )

    @classmethod
    def from_row(cls, row: Any) -> GoalRecord:
        created, updated = as_utc(row[7]), as_utc(row[8])
        assert created is not None
        assert updated is not None
        return cls(
            str(row[0]),
            int(row[1]),
            row[2],
            row[3],
            row[4],
            row[5],
            row[6],
            created,
            updated,
            int(row[9]),
        )


@dataclass(frozen=True, slots=True)
class TokenRecord:
    id: int
    name: str
    secret_hash: str
    scopes: list[str]
    site_keys: list[str] | None
    last_used_at: datetime | None
    revoked_at: datetime | None

    COLUMNS = "id, name, secret_hash, scopes, site_keys, last_used_at, revoked_at"

    @classmethod
    def from_row(cls, row: Any) -> TokenRecord:
        return cls(
            int(row[0]),
            str(row[1]),
            str(row[2]),
            json_list(row[3]) or [],
            json_list(row[4]),
            as_utc(row[5]),
            as_utc(row[6]),
        )

"""The database tables: sites, API tokens, goals, and the event store.

Events are append-only and never touched by goal operations: stats are computed
from them at query time. The matched strings (page paths, event and goal names)
live once per site in ``event_keys``, the per-site dictionary that goals are
matched against; each event row points at its key. Every events index leads
with ``site_id`` so that a sharded PostgreSQL (distributed by site) can take the
schema unchanged.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, DateTime, Dialect, Index, UniqueConstraint
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel

from goalgate.storage.dialect import BIG_ID

__all__ = [
    "ApiToken",
    "Event",
    "EventKey",
    "ExchangeRate",
    "Goal",
    "RateCounter",
    "Site",
    "UTCDateTime",
    "Visit",
    "VisitorSalt",
    "utcnow",
]

BigId = BIG_ID


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """An aware UTC datetime on every backend (SQLite drops the offset on write)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)  # type: ignore[no-any-return]
        return value.astimezone(UTC)  # type: ignore[no-any-return]


class Site(SQLModel, table=True):
    __tablename__ = "sites"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=64, unique=True)
    domain: str = Field(max_length=253)
    timezone: str = Field(max_length=64, default="UTC")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ApiToken(SQLModel, table=True):
    """A bearer token: only the SHA-256 of its secret is kept, never the secret."""

    __tablename__ = "api_tokens"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120)
    prefix: str = Field(max_length=16)
    secret_hash: str = Field(max_length=64, unique=True)
    scopes: list[str] = Field(sa_type=JSON)
    # None: every site; else the keys of the only sites this token may see.
    site_keys: list[str] | None = Field(default=None, sa_type=JSON)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Goal(SQLModel, table=True):
    __tablename__ = "goals"
    __table_args__ = (
        # Names are unique per site regardless of case; name_key is the casefolded name.
        UniqueConstraint("site_id", "name_key", name="uq_goals_site_name"),
        Index("ix_goals_site_created", "site_id", "created_at", "id"),
    )

    id: str = Field(primary_key=True, max_length=36)
    site_id: int = Field(foreign_key="sites.id", ondelete="CASCADE")
    name: str = Field(max_length=120)
    name_key: str = Field(max_length=480)
    type: str = Field(max_length=16)
    match_type: str = Field(max_length=16)
    match_value: str = Field(max_length=500)
    currency: str | None = Field(default=None, max_length=3)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # Bumped on every change; the ETag of the goal.
    version: int = Field(default=1)


class EventKey(SQLModel, table=True):
    """One distinct matched string of a site: a page path, event name or goal name."""

    __tablename__ = "event_keys"
    __table_args__ = (
        UniqueConstraint("site_id", "kind", "value", name="uq_event_keys"),
        # Fetching only the keys added since a process last looked.
        Index("ix_event_keys_site_kind_id", "site_id", "kind", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    site_id: int = Field(foreign_key="sites.id", ondelete="CASCADE")
    kind: str = Field(max_length=16)
    value: str = Field(max_length=1024)


class Event(SQLModel, table=True):
    """One pageview, custom event or ka.goal() call, kept forever."""

    __tablename__ = "events"
    __table_args__ = (
        # The stats index: site, matched key, time, and everything the aggregate reads.
        Index(
            "ix_events_site_key_ts",
            "site_id",
            "key_id",
            "ts",
            "visitor",
            "revenue_micros",
            "revenue_currency",
        ),
        # Visitors of a site over a period (conversion rate).
        Index("ix_events_site_ts", "site_id", "ts", "visitor"),
        # A visitor's events over a span: re-stamping a visit's events when its
        # first event or its extent changes (storage.visits).
        Index("ix_events_site_visitor_ts", "site_id", "visitor", "ts", "key_id", "page_id"),
    )

    id: int | None = Field(default=None, primary_key=True, sa_type=BigId)
    site_id: int = Field(foreign_key="sites.id", ondelete="CASCADE")
    key_id: int = Field(foreign_key="event_keys.id")
    # UTC instant in epoch milliseconds: compact, and compared as an integer.
    ts: int = Field(sa_type=BigInteger)
    visitor: int = Field(sa_type=BigInteger)
    # Revenue in millionths of a unit: exact integer sums on every backend.
    revenue_micros: int | None = Field(default=None, sa_type=BigInteger)
    revenue_currency: str | None = Field(default=None, max_length=3)
    # Where it came from and who sent it (domain.dimensions), as ids of the
    # site's key dictionary; NULL when unknown. No foreign keys: every id comes
    # from the dictionary, which only grows, and checking twelve references
    # would cost twelve lookups per event written. INTEGER like event_keys.id
    # (4 bytes where PostgreSQL would spend 8 on a BIGINT).
    page_id: int | None = Field(default=None)
    source_id: int | None = Field(default=None)
    referrer_domain_id: int | None = Field(default=None)
    utm_source_id: int | None = Field(default=None)
    utm_medium_id: int | None = Field(default=None)
    utm_campaign_id: int | None = Field(default=None)
    utm_content_id: int | None = Field(default=None)
    utm_term_id: int | None = Field(default=None)
    country_id: int | None = Field(default=None)
    device_id: int | None = Field(default=None)
    browser_id: int | None = Field(default=None)
    os_id: int | None = Field(default=None)
    # The visit it belongs to (``visits``), and that visit's values, those of
    # its first event (storage.visits): breakdowns and filters by source,
    # referrer, campaign and entry page read these, with no join. The event's
    # own values above stay as sent.
    visit_id: int | None = Field(default=None, sa_type=BigInteger)
    visit_source_id: int | None = Field(default=None)
    visit_referrer_domain_id: int | None = Field(default=None)
    visit_utm_source_id: int | None = Field(default=None)
    visit_utm_medium_id: int | None = Field(default=None)
    visit_utm_campaign_id: int | None = Field(default=None)
    visit_utm_content_id: int | None = Field(default=None)
    visit_utm_term_id: int | None = Field(default=None)
    entry_page_id: int | None = Field(default=None)


class Visit(SQLModel, table=True):
    """One visitor's run of events with no gap longer than the visit timeout.

    Written with its events (storage.visits): its span, how many events and
    pageviews it holds, and the values of its first event, which every event
    of the visit carries too (``events.visit_*``). Site-level numbers read
    these rows: a bounce is ``events = 1 AND pageviews = 1``, a duration
    ``end_ts - start_ts``.
    """

    __tablename__ = "visits"
    __table_args__ = (
        # A visitor's visits near an instant (joining new events to them).
        Index("ix_visits_site_visitor_end", "site_id", "visitor", "end_ts", "start_ts"),
        # The visits of a site over a period (site stats). Not covering: every
        # event written updates its visit's end and counts, which would then
        # rewrite this index's entry too (measured: docs/architecture.md#visits).
        Index("ix_visits_site_start", "site_id", "start_ts"),
    )

    id: int | None = Field(default=None, primary_key=True, sa_type=BigId)
    site_id: int = Field(foreign_key="sites.id", ondelete="CASCADE")
    visitor: int = Field(sa_type=BigInteger)
    # Epoch milliseconds of its first and last event.
    start_ts: int = Field(sa_type=BigInteger)
    end_ts: int = Field(sa_type=BigInteger)
    events: int
    pageviews: int
    # The first event's values (ids of the site's keys; NULL: none); its page
    # is the entry page.
    source_id: int | None = Field(default=None)
    referrer_domain_id: int | None = Field(default=None)
    utm_source_id: int | None = Field(default=None)
    utm_medium_id: int | None = Field(default=None)
    utm_campaign_id: int | None = Field(default=None)
    utm_content_id: int | None = Field(default=None)
    utm_term_id: int | None = Field(default=None)
    entry_page_id: int | None = Field(default=None)


class VisitorSalt(SQLModel, table=True):
    """The secret salt of one UTC day; visitors hash with it, then it is discarded."""

    __tablename__ = "visitor_salts"

    day: str = Field(primary_key=True, max_length=10)
    salt: str = Field(max_length=64)


class RateCounter(SQLModel, table=True):
    """Requests of one rate-limit key in one fixed window (services.ratelimit).

    Rows are disposable: losing them only forgives some requests. Old windows are
    pruned by ``expires_at``.
    """

    __tablename__ = "rate_counters"
    __table_args__ = (Index("ix_rate_counters_expires_at", "expires_at"),)

    key: str = Field(primary_key=True, max_length=200)
    # Epoch seconds, both: when the window starts and when it may be forgotten.
    window_start: int = Field(primary_key=True, sa_type=BigInteger)
    hits: int = Field(default=0)
    expires_at: int = Field(sa_type=BigInteger)


class ExchangeRate(SQLModel, table=True):
    """How many units of ``currency`` one unit of ``base`` bought on ``day``.

    One base for the whole table (the first file imported chooses it). The rate
    is kept as decimal text: SQLite would turn a NUMERIC into a float.
    """

    __tablename__ = "exchange_rates"

    currency: str = Field(primary_key=True, max_length=3)
    day: str = Field(primary_key=True, max_length=10)  # YYYY-MM-DD
    base: str = Field(max_length=3)
    rate: str = Field(max_length=40)

"""visits: the visits table, each event's visit and its values, derived for stored events

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07 23:50:00.000000

Adds nullable columns to ``events`` (no row rewritten by the ALTER on either
backend) and the ``visits`` table, then derives the visits of the events
already stored, as ingestion would have: each visitor's events by time (then
id), a new visit after a gap longer than ``GOALGATE_VISIT_TIMEOUT_MINUTES``
(30 by default), the visit's values those of its first event. Events are read
in pages of the visitor index, so memory stays bounded however large the
table; nothing of an event is changed but its new columns.
"""

import os
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The event's own columns whose values its visit takes from its first event
# (page_id: the entry page), and where the event and the visit keep them.
OWN = (
    "source_id",
    "referrer_domain_id",
    "utm_source_id",
    "utm_medium_id",
    "utm_campaign_id",
    "utm_content_id",
    "utm_term_id",
    "page_id",
)
EVENT_COLUMNS = (
    "visit_source_id",
    "visit_referrer_domain_id",
    "visit_utm_source_id",
    "visit_utm_medium_id",
    "visit_utm_campaign_id",
    "visit_utm_content_id",
    "visit_utm_term_id",
    "entry_page_id",
)
VISIT_COLUMNS = (*OWN[:-1], "entry_page_id")
PAGE = 20_000
FLUSH = 2_000


def upgrade() -> None:
    with op.batch_alter_table("events") as batch:
        batch.add_column(sa.Column("visit_id", sa.BigInteger(), nullable=True))
        for name in EVENT_COLUMNS:
            batch.add_column(sa.Column(name, sa.Integer(), nullable=True))
    op.create_table(
        "visits",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("visitor", sa.BigInteger(), nullable=False),
        sa.Column("start_ts", sa.BigInteger(), nullable=False),
        sa.Column("end_ts", sa.BigInteger(), nullable=False),
        sa.Column("events", sa.Integer(), nullable=False),
        sa.Column("pageviews", sa.Integer(), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=True) for name in VISIT_COLUMNS),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_visits_site_visitor_end", "visits", ["site_id", "visitor", "end_ts", "start_ts"]
    )
    op.create_index("ix_visits_site_start", "visits", ["site_id", "start_ts"])
    minutes = int(os.environ.get("GOALGATE_VISIT_TIMEOUT_MINUTES", "30"))
    _derive_visits(op.get_bind(), minutes * 60_000)


def downgrade() -> None:
    op.drop_index("ix_visits_site_start", table_name="visits")
    op.drop_index("ix_visits_site_visitor_end", table_name="visits")
    op.drop_table("visits")
    with op.batch_alter_table("events") as batch:
        for name in reversed(EVENT_COLUMNS):
            batch.drop_column(name)
        batch.drop_column("visit_id")


_READ_FIRST = (  # noqa: S608 (constant names)
    "SELECT site_id, visitor, ts, id, key_id, {own} FROM events "
    "ORDER BY site_id, visitor, ts LIMIT :n"
).format(own=", ".join(OWN))
_READ_AFTER = (  # noqa: S608 (constant names)
    "SELECT site_id, visitor, ts, id, key_id, {own} FROM events "
    "WHERE (site_id, visitor, ts) > (:site, :visitor, :ts) "
    "ORDER BY site_id, visitor, ts LIMIT :n"
).format(own=", ".join(OWN))
_READ_INSTANT = (  # noqa: S608 (constant names)
    "SELECT site_id, visitor, ts, id, key_id, {own} FROM events "
    "WHERE site_id = :site AND visitor = :visitor AND ts = :ts"
).format(own=", ".join(OWN))
_INSERT = (  # noqa: S608 (constant names)
    "INSERT INTO visits (id, site_id, visitor, start_ts, end_ts, events, pageviews, {cols}) "
    "VALUES (:id, :site_id, :visitor, :start_ts, :end_ts, :events, :pageviews, {params})"
).format(cols=", ".join(VISIT_COLUMNS), params=", ".join(":" + c for c in VISIT_COLUMNS))
_STAMP = (  # noqa: S608 (constant names)
    "UPDATE events SET visit_id = :id, {sets} WHERE site_id = :site_id "
    "AND visitor = :visitor AND ts >= :start_ts AND ts <= :end_ts"
).format(sets=", ".join(f"{e} = :{v}" for e, v in zip(EVENT_COLUMNS, VISIT_COLUMNS, strict=True)))


def _pages(bind: sa.Connection, page: int) -> Any:
    """Every event as (site, visitor, ts, id, key_id, *own), by visitor, time, then id.

    Keyset pages of ``ix_events_site_visitor_ts``: a page ends before its last
    instant's events (which come whole with the next), so ties are ordered by id.
    """
    rows = list(bind.execute(sa.text(_READ_FIRST), {"n": page}))
    while rows:
        if len(rows) == page:
            last = rows[-1][:3]
            kept = [row for row in rows if row[:3] != last]
            if not kept:  # one instant fills the page: read it whole
                site, visitor, ts = last
                kept = list(
                    bind.execute(
                        sa.text(_READ_INSTANT), {"site": site, "visitor": visitor, "ts": ts}
                    )
                )
            else:
                last = kept[-1][:3]
        else:
            kept, last = rows, None
        yield from sorted(kept, key=lambda row: tuple(row[:4]))
        if last is None:
            return
        site, visitor, ts = last
        rows = list(
            bind.execute(
                sa.text(_READ_AFTER), {"site": site, "visitor": visitor, "ts": ts, "n": page}
            )
        )


def _derive_visits(bind: sa.Connection, timeout_ms: int, page: int = PAGE) -> None:
    next_id = 1
    pending: list[dict[str, Any]] = []
    visit: dict[str, Any] | None = None
    for site, visitor, ts, _, key_id, *own in _pages(bind, page):
        if (
            visit is not None
            and visit["site_id"] == site
            and visit["visitor"] == visitor
            and ts - visit["end_ts"] <= timeout_ms
        ):
            visit["end_ts"] = ts
            visit["events"] += 1
            visit["pageviews"] += int(key_id == own[-1])
            continue
        if visit is not None:
            pending.append(visit)
            if len(pending) >= FLUSH:
                _flush(bind, pending)
        visit = {
            "id": next_id,
            "site_id": site,
            "visitor": visitor,
            "start_ts": ts,
            "end_ts": ts,
            "events": 1,
            # A pageview's key is its page (domain.dimensions).
            "pageviews": int(key_id == own[-1]),
            **dict(zip(VISIT_COLUMNS, own, strict=True)),
        }
        next_id += 1
    if visit is not None:
        pending.append(visit)
    _flush(bind, pending)
    if bind.dialect.name == "postgresql" and next_id > 1:
        bind.execute(
            sa.text("SELECT setval(pg_get_serial_sequence('visits', 'id'), :last)"),
            {"last": next_id - 1},
        )


def _flush(bind: sa.Connection, pending: list[dict[str, Any]]) -> None:
    if pending:
        bind.execute(sa.text(_INSERT), pending)
        bind.execute(sa.text(_STAMP), pending)
        pending.clear()

"""event dimensions: source, referrer, campaign tags, page, country, device, browser, os

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 13:20:00.000000

Nullable columns only: existing events keep NULL ("(none)" / "(unknown)" in
breakdowns), and adding them rewrites no row on either backend.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = (
    "page_id",
    "source_id",
    "referrer_domain_id",
    "utm_source_id",
    "utm_medium_id",
    "utm_campaign_id",
    "utm_content_id",
    "utm_term_id",
    "country_id",
    "device_id",
    "browser_id",
    "os_id",
)


def upgrade() -> None:
    with op.batch_alter_table("events") as batch:
        for name in COLUMNS:
            batch.add_column(sa.Column(name, sa.Integer(), nullable=True))
    op.create_index(
        "ix_events_site_visitor_ts",
        "events",
        ["site_id", "visitor", "ts", "key_id", "page_id"],
    )


def downgrade() -> None:
    op.drop_index("ix_events_site_visitor_ts", table_name="events")
    with op.batch_alter_table("events") as batch:
        for name in reversed(COLUMNS):
            batch.drop_column(name)

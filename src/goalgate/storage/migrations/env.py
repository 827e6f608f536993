"""Alembic environment: runs on the connection goalgate hands it (see storage.db)."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

from goalgate.storage import tables  # noqa: F401  (registers the tables)

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=SQLModel.metadata,
    render_as_batch=True,  # SQLite can only ALTER by copying a table
)
with context.begin_transaction():
    context.run_migrations()

"""Alembic environment: runs on the connection goalgate hands it (see storage.db).

From the ``alembic`` command line (``alembic.ini`` at the repository root) there is
no such connection: it then opens the database goalgate itself would use,
``GOALGATE_DATABASE_URL`` or the default embedded SQLite file.
"""

from __future__ import annotations

import asyncio
from logging.config import fileConfig

from alembic import context
from sqlalchemy import Connection
from sqlmodel import SQLModel

from goalgate.storage import tables  # noqa: F401  (registers the tables)


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=SQLModel.metadata,
        render_as_batch=True,  # SQLite can only ALTER by copying a table
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_from_cli() -> None:
    from goalgate.settings import Settings
    from goalgate.storage.db import open_database

    database = open_database(Settings().database_url)
    try:
        async with database.engine.connect() as connection:
            await connection.run_sync(_run)
    finally:
        await database.close()


if "connection" in context.config.attributes:
    _run(context.config.attributes["connection"])
else:
    if context.config.config_file_name is not None:
        fileConfig(context.config.config_file_name, disable_existing_loggers=False)
    asyncio.run(_run_from_cli())

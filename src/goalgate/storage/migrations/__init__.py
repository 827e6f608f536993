"""The Alembic migrations of goalgate's schema (``versions/``, run by ``storage/db.py``)."""

# The newest revision in versions/. A process that finds the database at it
# skips importing and running Alembic (~0.2 s of every start); a new
# migration sets it (tests/integration/test_migrations.py checks it against
# Alembic's own head).
HEAD = "0005"

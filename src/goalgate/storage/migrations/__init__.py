"""The Alembic migrations of goalgate's schema (``versions/``, run by ``storage/db.py``)."""

from __future__ import annotations

__all__ = ["HEAD", "REVISIONS", "SchemaTooNew", "UnknownRevision"]

# Every revision in versions/, oldest first (tests/integration/test_migrations.py
# checks them against Alembic's own history); a new migration appends its own.
REVISIONS = ("0001", "0002", "0003", "0004", "0005")
# The newest. A process that finds the database at it skips importing and
# running Alembic (~0.2 s of every start).
HEAD = REVISIONS[-1]


class SchemaTooNew(Exception):
    """The database is at a revision this code does not know: a newer goalgate
    migrated it. Serving it could write what the newer schema forbids."""

    def __init__(self, revision: str) -> None:
        self.revision = revision
        super().__init__(
            f"the database is at schema revision {revision}, newer than this goalgate knows "
            f"(its newest is {HEAD}): run the goalgate that upgraded it, or roll back as "
            "docs/operations.md says (Upgrades and rollback)"
        )


class UnknownRevision(Exception):
    """A revision asked for (``goalgate db downgrade REV``) that is not one of REVISIONS."""

"""The migrations build exactly the tables the code declares, on both backends.

A migration that forgets a column, an index or a constraint would otherwise go
unnoticed: the tests create their databases through the migrations too.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, text
from sqlmodel import SQLModel

from goalgate.storage import tables  # noqa: F401  (registers the tables)
from goalgate.storage.db import open_database
from goalgate.storage.migrations import HEAD, REVISIONS
from tests.helpers.data import make_site

ROOT = Path(__file__).resolve().parents[2]


def _differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(
        connection,
        opts={"compare_type": True, "compare_server_default": True},
    )
    return list(compare_metadata(context, SQLModel.metadata))


async def _migrate_and_compare(url: str) -> list[Any]:
    database = open_database(url)
    try:
        await database.migrate()
        async with database.engine.connect() as connection:
            return await connection.run_sync(_differences)
    finally:
        await database.close()


def test_the_migrated_schema_is_the_declared_one(database_url: str) -> None:
    assert asyncio.run(_migrate_and_compare(database_url)) == []


def test_the_alembic_command_line_migrates_goalgates_database(database_url: str) -> None:
    """alembic.ini at the root works as CONTRIBUTING.md says: upgrade, then check."""
    head = ScriptDirectory.from_config(Config(ROOT / "alembic.ini")).get_current_head()
    env = {**os.environ, "GOALGATE_DATABASE_URL": database_url}
    for command in (["upgrade", "head"], ["current"], ["check"]):
        done = subprocess.run(
            [sys.executable, "-m", "alembic", *command],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        if command == ["current"]:
            assert done.stdout.strip() == f"{head} (head)"
    assert "No new upgrade operations detected." in done.stdout


def test_head_names_the_newest_migration() -> None:
    """A process skips Alembic when the database is at ``migrations.HEAD``: a new
    migration that forgot to move it would never run."""
    script = ScriptDirectory.from_config(Config(ROOT / "alembic.ini"))
    assert script.get_heads() == [HEAD]


def test_revisions_list_every_migration_oldest_first() -> None:
    """``migrations.REVISIONS`` is how a process tells a database newer than its code."""
    script = ScriptDirectory.from_config(Config(ROOT / "alembic.ini"))
    history = [revision.revision for revision in script.walk_revisions()]
    assert tuple(reversed(history)) == REVISIONS
    assert REVISIONS[-1] == HEAD


def _stamp_back(connection: Connection, revision: str) -> None:
    from alembic import command

    config = Config(ROOT / "alembic.ini")
    config.attributes["connection"] = connection
    command.downgrade(config, revision)


async def _revision_after_migrating_from(url: str, revision: str) -> tuple[str, list[Any]]:
    database = open_database(url)
    try:
        async with database.engine.begin() as connection:
            await connection.run_sync(_stamp_back, revision)
        await database.migrate()
        async with database.engine.connect() as connection:
            version = (
                await connection.exec_driver_sql("SELECT version_num FROM alembic_version")
            ).scalar_one()
            return version, await connection.run_sync(_differences)
    finally:
        await database.close()


def test_a_database_behind_the_head_is_migrated_at_start(database_url: str) -> None:
    """The quick check for an up-to-date schema does not skip a database one
    migration behind (0003: no event dimensions yet)."""
    assert asyncio.run(_revision_after_migrating_from(database_url, "0003")) == (HEAD, [])


_MINUTE = 60_000
_TEN = 1_709_632_800_000  # 2024-03-05T10:00:00Z


def _derive_again_in_pages_of_two(connection: Connection) -> None:
    """Forget the visits 0005 derived, and derive them again reading two events
    a page (the paging and its equal-instant rule, on a table this small)."""
    import importlib.util

    path = ROOT / "src/goalgate/storage/migrations/versions/0005_visits.py"
    spec = importlib.util.spec_from_file_location("migration_0005", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    connection.exec_driver_sql("DELETE FROM visits")
    connection.exec_driver_sql("UPDATE events SET visit_id = NULL")
    module._derive_visits(connection, 30 * _MINUTE, page=2)


async def _events_migrated_from_0004(url: str, *, pages_of_two: bool) -> tuple[list, list]:
    """Events stored at 0004 (no visits), then the upgrade: (visits, events' visit values)."""
    database = open_database(url)
    try:
        async with database.engine.begin() as connection:
            await connection.run_sync(_stamp_back, "0004")
        await make_site(database, "sk_migrate")
        async with database.engine.begin() as connection:
            site = (await connection.exec_driver_sql("SELECT id FROM sites")).scalar_one()
            keys = {}
            for kind, value in [
                ("pageview", "/landing"), ("pageview", "/pricing"), ("pageview", "/b"),
                ("goal", "purchase"), ("event", "signup"), ("source", "Google"),
                ("source", "Twitter"), ("utm_campaign", "spring"),
            ]:  # fmt: skip
                await connection.execute(
                    text("INSERT INTO event_keys (site_id, kind, value) VALUES (:s, :k, :v)"),
                    {"s": site, "k": kind, "v": value},
                )
                keys[value] = (
                    await connection.execute(
                        text("SELECT id FROM event_keys WHERE value = :v"), {"v": value}
                    )
                ).scalar_one()
            landing, pricing, b = keys["/landing"], keys["/pricing"], keys["/b"]
            # (key, minutes after 10:00, visitor, page, source, campaign), in insertion order.
            events = [
                (keys["purchase"], 60, 1, pricing, None, None),  # 40 minutes on: a visit
                (landing, 0, 1, landing, keys["Google"], keys["spring"]),
                (pricing, 10, 1, pricing, None, None),
                (keys["purchase"], 20, 1, pricing, keys["Twitter"], None),
                (keys["signup"], 0, 2, None, None, None),  # first of two at one instant
                (b, 0, 2, b, keys["Twitter"], None),
            ]
            for key, minutes, visitor, page, source, campaign in events:
                await connection.execute(
                    text(
                        "INSERT INTO events (site_id, key_id, ts, visitor, page_id, source_id, "
                        "utm_campaign_id) VALUES (:s, :k, :ts, :v, :p, :src, :c)"
                    ),
                    {"s": site, "k": key, "ts": _TEN + minutes * _MINUTE, "v": visitor,
                     "p": page, "src": source, "c": campaign},
                )  # fmt: skip
        await database.migrate()
        async with database.engine.begin() as connection:
            if pages_of_two:
                await connection.run_sync(_derive_again_in_pages_of_two)
            visit_rows = await connection.exec_driver_sql(
                "SELECT v.visitor, v.start_ts, v.end_ts, v.events, v.pageviews, s.value, "
                "c.value, p.value FROM visits AS v LEFT JOIN event_keys AS s ON s.id = v.source_id "
                "LEFT JOIN event_keys AS c ON c.id = v.utm_campaign_id "
                "LEFT JOIN event_keys AS p ON p.id = v.entry_page_id ORDER BY v.visitor, v.start_ts"
            )
            event_rows = await connection.exec_driver_sql(
                "SELECT k.value, own.value, s.value, p.value, "
                "e.visit_id = (SELECT v.id FROM visits AS v WHERE v.visitor = e.visitor "
                "AND e.ts BETWEEN v.start_ts AND v.end_ts) FROM events AS e "
                "JOIN event_keys AS k ON k.id = e.key_id "
                "LEFT JOIN event_keys AS own ON own.id = e.source_id "
                "LEFT JOIN event_keys AS s ON s.id = e.visit_source_id "
                "LEFT JOIN event_keys AS p ON p.id = e.entry_page_id ORDER BY e.id"
            )
            return [tuple(r) for r in visit_rows], [tuple(r) for r in event_rows]
    finally:
        await database.close()


@pytest.mark.parametrize("pages_of_two", [False, True])
def test_the_visits_of_events_stored_before_0005_are_derived(
    database_url: str, pages_of_two: bool
) -> None:
    """Visitor 1: Google at 10:00 (spring), /pricing 10:10, a purchase 10:20
    (its own source Twitter), a purchase at 11:00 (40 minutes on: a second
    visit, entering on /pricing). Visitor 2: a signup and a pageview of /b at
    one instant; the signup was stored first, so it is the first event."""
    minutes = [_TEN + m * _MINUTE for m in (0, 20, 60)]
    visits, events = asyncio.run(
        _events_migrated_from_0004(database_url, pages_of_two=pages_of_two)
    )
    assert visits == [
        (1, minutes[0], minutes[1], 3, 2, "Google", "spring", "/landing"),
        (1, minutes[2], minutes[2], 1, 0, None, None, "/pricing"),
        (2, minutes[0], minutes[0], 2, 1, None, None, None),
    ]
    # (key, own source, visit's source, entry page, in its visit): nothing lost.
    assert [(*e[:4], bool(e[4])) for e in events] == [
        ("purchase", None, None, "/pricing", True),
        ("/landing", "Google", "Google", "/landing", True),
        ("/pricing", None, "Google", "/landing", True),
        ("purchase", "Twitter", "Google", "/landing", True),
        ("signup", None, None, None, True),
        ("/b", "Twitter", None, None, True),
    ]

"""Shared fixtures: a real database file per test, the app built on it, and a browser.

Plain helpers live in tests/helpers; this file holds only fixtures.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings
from litestar import Litestar
from litestar.testing import AsyncTestClient

from goalgate.app import create_app
from goalgate.settings import Settings
from goalgate.storage.db import Database, open_database
from tests.helpers.data import make_site, make_token
from tests.helpers.env import POSTGRES_URL, REDIS_URL, skip_or_fail
from tests.helpers.http import Client
from tests.helpers.ka import Capture

# Hypothesis's per-example deadline (200 ms) measures the machine, not the
# code: on a shared 2-core machine under load one example of a periods property
# took 353 ms (49 ms when run again). The properties check correctness; time
# is measured by `make bench`.
hypothesis_settings.register_profile("goalgate", deadline=None)
hypothesis_settings.load_profile("goalgate")


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups (it names them in node ids)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Under ``make test`` (pytest-xdist, --dist loadgroup), the tests of a module
    that builds something once for the module (a Chromium, a server seeded
    with a year of demo data) run on one worker, so that it is built once and
    not once on every worker. Measured: spread over two workers, the
    dashboard's tests took 56 s of worker time; kept on one, 43 s.
    (``_fixtureinfo`` is pytest's own record of an item's fixtures; it has no
    public name.)"""
    for item in items:
        if item.get_closest_marker("xdist_group") is not None:
            continue
        fixtures = getattr(item, "_fixtureinfo", None)
        if fixtures is None:
            continue
        if any(defs[-1].scope == "module" for defs in fixtures.name2fixturedefs.values()):
            item.add_marker(pytest.mark.xdist_group(item.nodeid.split("::")[0]))


@pytest.fixture(scope="session", autouse=True)
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """GOALGATE_DATA_DIR for the session (child processes inherit it): nothing a
    test leaves at the default location (demo-token, an unset database URL)
    lands in the platform's data directory of whoever runs the tests."""
    path = tmp_path_factory.mktemp("data")
    before = os.environ.get("GOALGATE_DATA_DIR")
    os.environ["GOALGATE_DATA_DIR"] = str(path)
    yield path
    if before is None:
        os.environ.pop("GOALGATE_DATA_DIR", None)
    else:
        os.environ["GOALGATE_DATA_DIR"] = before


@pytest.fixture(scope="session")
def postgres_session_url() -> Iterator[str]:
    """A PostgreSQL database created and migrated once per session (see tests/helpers/pg.py)."""
    if POSTGRES_URL is None:
        skip_or_fail("GOALGATE_TEST_POSTGRES_URL is not set: PostgreSQL not tested")
    assert POSTGRES_URL is not None
    from tests.helpers.pg import migrated_database

    with migrated_database(POSTGRES_URL, f"gg_test_{uuid.uuid4().hex[:12]}") as url:
        yield url


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated once per session; each test starts from a copy.

    Migrating through Alembic costs ~0.2 s a database, most of a short test's
    time; copying a migrated file costs a millisecond.
    """
    import asyncio

    path = tmp_path_factory.mktemp("template") / "goalgate.db"

    async def migrate() -> None:
        db = open_database(f"sqlite+aiosqlite:///{path}")
        try:
            await db.migrate()
        finally:
            await db.close()

    asyncio.run(migrate())
    return path


@pytest.fixture(scope="session")
def sqlite_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where each test's SQLite database lives: one path for the session, so that
    tests with the same settings can share one built app (see ``app``)."""
    return tmp_path_factory.mktemp("db") / "goalgate.db"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """An empty database for one test, already at the latest schema (so the app's
    migration step finds nothing to do): a fresh copy of the session's migrated
    SQLite file, or PostgreSQL's session database with every table emptied."""
    if request.param == "sqlite":
        target: Path = request.getfixturevalue("sqlite_path")
        # The last test's write-ahead log must not be replayed into the new copy.
        for leftover in ("-wal", "-shm", "-journal"):
            target.with_name(target.name + leftover).unlink(missing_ok=True)
        shutil.copyfile(request.getfixturevalue("sqlite_template"), target)
        yield f"sqlite+aiosqlite:///{target}"
        return
    from tests.helpers.pg import empty_database

    yield empty_database(request.getfixturevalue("postgres_session_url"))


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url)


@pytest.fixture(scope="session")
def built_apps() -> dict[str, Litestar]:
    return {}


@pytest.fixture
def app(settings: Settings, built_apps: dict[str, Litestar]) -> Litestar:
    """The app for these settings, built once per session and reused.

    Building one costs tens of milliseconds (Litestar's routes and signature
    models, the GraphQL schema), most of a short test's set-up. It connects to
    nothing: each test's client runs its lifespan, which opens a new runtime
    (engine, caches, committer) on the test's emptied database and closes it.
    """
    key = settings.model_dump_json()
    if key not in built_apps:
        built_apps[key] = create_app(settings)
    return built_apps[key]


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[Client]:
    async with AsyncTestClient(app=app) as test_client:
        yield test_client


@pytest.fixture
async def db(client: Client, settings: Settings) -> AsyncIterator[Database]:
    """A handle on the app's database for arranging and checking data.

    The test client serves the app on a loop of its own, so the test needs its
    own engine (asyncpg connections belong to the loop that opened them).
    """
    database = open_database(settings.database_url)
    try:
        yield database
    finally:
        await database.close()


@pytest.fixture
async def site(db: Database) -> str:
    return await make_site(db)


@pytest.fixture
async def token(db: Database, site: str) -> str:
    """A token with both scopes on every site."""
    return await make_token(db)


@pytest.fixture
def redis_url() -> Iterator[str]:
    """A Redis database emptied for this test (GOALGATE_TEST_REDIS_URL, a test-only db)."""
    if REDIS_URL is None:
        skip_or_fail("GOALGATE_TEST_REDIS_URL is not set: Redis not tested")
    assert REDIS_URL is not None
    from redis import Redis

    client = Redis.from_url(REDIS_URL)
    try:
        client.flushdb()
        yield REDIS_URL
        client.flushdb()
    finally:
        client.close()


# --- the browser tests (tests/e2e, and the tracker's retries in tests/security)
# Debian's Chromium (``apt-get install chromium``) driven by the Python
# Playwright package. Playwright's own browser download is never used:
# ``playwright install`` must not be run; we point it at /usr/bin/chromium.

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium per test module; skips visibly when unavailable.

    Module scope, not session: Playwright's sync API keeps an event loop running
    in this thread while it is open, which would break later tests that call
    asyncio.run().
    """
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        skip_or_fail(
            "playwright not importable: pip install playwright (never run `playwright install`)"
        )
    if not os.path.exists(CHROMIUM):
        skip_or_fail("Chromium not found at /usr/bin/chromium: apt-get install chromium")
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def capture() -> Iterator[Capture]:
    """The ka.js tests' capture server (tests/helpers/ka.py)."""
    server = Capture()
    yield server
    server.close()

"""The goalgate command: serve the API and administer sites, tokens and data.

Every command that opens the database first brings its schema up to date.
Errors a user can cause print one line on stderr and exit 2, never a traceback.

Only Typer and the standard library are imported here at module level: the
runtime (SQLAlchemy, pydantic, the services) and Rich's tables and progress
bars are imported by the commands that use them, so that ``goalgate --help``,
``--version`` and a mistyped option answer at once (docs/benchmarks.md,
"Start-up"; tests/unit/test_cli_imports.py keeps it so).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

from goalgate import __version__

if TYPE_CHECKING:
    from rich.console import Console

    from goalgate.errors import GoalgateError
    from goalgate.runtime import Runtime
    from goalgate.services import demo as demo_service
    from goalgate.services import imports as import_service
    from goalgate.services import rates as rate_service
    from goalgate.settings import Settings
    from goalgate.storage.db import Database

__all__ = ["app", "main"]

T = TypeVar("T")

app = typer.Typer(
    help="goalgate: conversion goals for web analytics.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    # Click's plain help: Rich's renderer costs ~70 ms of imports on every --help.
    rich_markup_mode=None,
)
sites_app = typer.Typer(help="Create and list sites.", no_args_is_help=True)
tokens_app = typer.Typer(help="Issue, list and revoke API tokens.", no_args_is_help=True)
db_app = typer.Typer(
    help="The database: create, upgrade, downgrade, back up, restore.", no_args_is_help=True
)
events_app = typer.Typer(help="Bulk event data.", no_args_is_help=True)
rates_app = typer.Typer(help="Exchange rates for multi-currency revenue.", no_args_is_help=True)
app.add_typer(sites_app, name="sites")
app.add_typer(tokens_app, name="tokens")
app.add_typer(db_app, name="db")
app.add_typer(events_app, name="events")
app.add_typer(rates_app, name="rates")

# services.imports.IMPORT_BATCH, repeated so that the option's default needs no import
# (tests/unit/test_cli_imports.py checks that they agree).
IMPORT_BATCH = 1000


@cache
def _out() -> Console:
    from rich.console import Console

    return Console(highlight=False)


@cache
def _err() -> Console:
    from rich.console import Console

    return Console(stderr=True)


def _version(value: bool) -> None:
    if value:
        sys.stdout.write(f"goalgate {__version__}\n")
        raise typer.Exit()


@app.callback()
def _options(
    version: Annotated[
        bool,
        typer.Option(
            "--version", help="Print the version and exit.", callback=_version, is_eager=True
        ),
    ] = False,
) -> None:
    """goalgate: conversion goals for web analytics."""


def _fail(message: str) -> typer.Exit:
    _err().print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(code=2)


def _error_line(exc: GoalgateError) -> str:
    if exc.fields:
        return "; ".join(f"{field}: {why}" for field, why in exc.fields.items())
    return exc.message


def run_in_runtime(work: Callable[[Runtime], Awaitable[T]]) -> T:
    """Open the runtime (migrating the database), run ``work``, close it; map user errors."""

    from goalgate.errors import GoalgateError
    from goalgate.runtime import open_runtime

    settings = _settings()

    async def runner() -> T:
        async with open_runtime(settings, serving=False) as runtime:
            return await work(runtime)

    import asyncio

    from goalgate.storage.migrations import SchemaTooNew

    try:
        return asyncio.run(runner())
    except GoalgateError as exc:
        raise _fail(_error_line(exc)) from None
    except (OSError, SchemaTooNew) as exc:
        raise _fail(str(exc)) from None


def _settings() -> Settings:
    """The settings from the environment; a bad value is one line, not a traceback."""
    from pydantic import ValidationError

    from goalgate.settings import Settings

    try:
        return Settings()
    except ValidationError as exc:
        problems = "; ".join(
            f"GOALGATE_{'_'.join(str(part) for part in error['loc']).upper()}: {error['msg']}"
            if error["loc"]
            else error["msg"]
            for error in exc.errors()
        )
        raise _fail(problems) from None


def _announce(settings: Settings, *, as_log: bool = False) -> None:
    """Say which data this process works on, on stderr (stdout may be a command's
    output); ``as_log``: as a line of the server's log (JSON with GOALGATE_LOG_FORMAT=json)."""
    from goalgate.storage.location import printable

    message = (
        f"goalgate {__version__}: data directory {settings.data_dir}, "
        f"database {printable(settings.database_url)}"
    )
    if not as_log:
        sys.stderr.write(message + "\n")
    elif settings.log_format == "json":
        import logging

        from goalgate.logs import JsonFormatter

        record = logging.LogRecord("goalgate.serve", logging.INFO, __file__, 0, message, None, None)
        sys.stderr.write(JsonFormatter().format(record) + "\n")
    else:
        sys.stderr.write(f"INFO:     {message}\n")  # uvicorn's own lines look so


def _require_database(settings: Settings) -> None:
    """Refuse to start on a SQLite file that does not exist: a wrong working
    directory or data directory would otherwise serve a new, empty database."""
    from goalgate.storage.location import sqlite_file

    path = sqlite_file(settings.database_url)
    if path is not None and not path.exists():
        raise _fail(
            f"no database at {path}: create it with 'goalgate db init' (or start with "
            "'goalgate serve --create'), or point GOALGATE_DATA_DIR or GOALGATE_DATABASE_URL "
            "at the existing one"
        )


async def _open_only(runtime: Runtime) -> None:
    """Nothing: opening the runtime has migrated the schema."""


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Interface to bind.")] = None,
    port: Annotated[int | None, typer.Option(help="TCP port.", min=1, max=65535)] = None,
    workers: Annotated[int, typer.Option(help="Worker processes on one port.", min=1, max=64)] = 1,
    create: Annotated[
        bool,
        typer.Option(
            "--create", help="Create the SQLite database if it does not exist (else: refuse)."
        ),
    ] = False,
) -> None:
    """Serve the GraphQL API, the REST routes and ingestion."""
    import uvicorn

    from goalgate.logs import uvicorn_log_config
    from goalgate.server import NoDelayHttpProtocol

    settings = _settings()
    if not create:
        _require_database(settings)
    _announce(settings, as_log=True)
    run_in_runtime(_open_only)  # migrate once, before any worker starts
    if workers > 1 and "GOALGATE_WORKERS" not in os.environ:
        # The workers share the rate limits: each may spend its share only.
        os.environ["GOALGATE_WORKERS"] = str(workers)
    with _worker_metrics(workers):
        uvicorn.run(
            "goalgate.app:create_app",
            factory=True,
            host=host or settings.host,
            port=port or settings.port,
            workers=workers,
            # The app applies X-Forwarded-For itself (FORWARDED_ALLOW_IPS), after
            # noting which peer connected: see api/observability.py.
            proxy_headers=False,
            # httptools parses HTTP in C (h11 is pure Python); uvloop is picked
            # when installed (uvicorn[standard]). See goalgate.server.
            http=NoDelayHttpProtocol,
            log_config=uvicorn_log_config(settings),
            log_level="info",
            # The app writes its own request lines (GOALGATE_ACCESS_LOG).
            access_log=False,
            # Which server answers is nobody's business.
            server_header=False,
        )


@contextmanager
def _worker_metrics(workers: int) -> Iterator[None]:
    """With several workers, a directory of their metric files, for the time they run.

    Each worker writes its metric values there and a scrape adds them all up
    (prometheus-client's multiprocess mode). The directory is this command's,
    new for each run, so no earlier run's counts are added in; an inherited
    PROMETHEUS_MULTIPROC_DIR is replaced. One worker needs none.
    """
    if workers == 1:
        yield
        return
    import shutil
    import tempfile

    path = tempfile.mkdtemp(prefix="goalgate-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = path
    try:
        yield
    finally:
        os.environ.pop("PROMETHEUS_MULTIPROC_DIR", None)
        shutil.rmtree(path, ignore_errors=True)


@db_app.command("init")
def db_init() -> None:
    """Create the database (SQLite: the file in GOALGATE_DATA_DIR) at the latest schema."""
    from goalgate.storage.location import sqlite_file

    settings = _settings()
    _announce(settings)
    path = sqlite_file(settings.database_url)
    existed = path is None or path.exists()
    run_in_runtime(_open_only)
    # Plain writes: Rich would wrap a long path at the terminal's width.
    if path is None:
        sys.stdout.write("database schema is up to date\n")
    elif existed:
        sys.stdout.write(f"database {path} exists already; its schema is up to date\n")
    else:
        sys.stdout.write(f"created database {path}\n")


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Bring the schema up to date (every other command does this too)."""

    async def work(db: Database) -> tuple[str | None, str | None]:
        before = await db.revision()
        await db.migrate()
        return before, await db.revision()

    before, after = _with_database(work)
    if before == after:
        sys.stdout.write(f"database is up to date (schema revision {after})\n")
    elif before is None:
        sys.stdout.write(f"database created at schema revision {after}\n")
    else:
        sys.stdout.write(f"database upgraded from schema revision {before or 'none'} to {after}\n")


@db_app.command("downgrade")
def db_downgrade(
    revision: Annotated[str, typer.Argument(help="The older schema revision, e.g. 0004.")],
) -> None:
    """Undo the migrations after REVISION, before running an older goalgate (rollback).

    Run it with the goalgate that upgraded the database (it has the downgrades),
    goalgate stopped and a backup taken; then start the older goalgate.
    """

    async def work(db: Database) -> str | None:
        return await db.downgrade(revision)

    before = _with_database(work)
    sys.stdout.write(
        f"database downgraded from schema revision {before} to {revision}; start the goalgate "
        f"release whose newest revision is {revision} (this one would upgrade it again)\n"
    )


@db_app.command("backup")
def db_backup(
    path: Annotated[Path, typer.Argument(help="The new file to write.")],
) -> None:
    """Copy the database to PATH, also while goalgate serves.

    SQLite: the online backup API (one consistent snapshot). PostgreSQL: pg_dump
    in its custom format (pg_restore reads it).
    """
    from goalgate.storage.backup import BackupError, backup

    settings = _settings()
    _announce(settings)
    try:
        copied = backup(settings.database_url, path)
    except BackupError as exc:
        raise _fail(str(exc)) from None
    revision = f", schema revision {copied.revision}" if copied.revision else ""
    sys.stdout.write(f"backed up to {copied.path} ({copied.size} bytes{revision})\n")


@db_app.command("restore")
def db_restore(
    path: Annotated[Path, typer.Argument(help="A file written by 'goalgate db backup'.")],
    force: Annotated[bool, typer.Option("--force", help="Replace the existing database.")] = False,
) -> None:
    """Replace the database with a backup; stop goalgate first."""
    from goalgate.storage.backup import BackupError, restore

    settings = _settings()
    _announce(settings)
    try:
        copied = restore(settings.database_url, path, force=force)
    except BackupError as exc:
        raise _fail(str(exc)) from None
    if copied.revision is None:
        sys.stdout.write(f"restored {path} with pg_restore\n")
    else:
        sys.stdout.write(
            f"restored {path} into {copied.path} (schema revision {copied.revision})\n"
        )


def _with_database(work: Callable[[Database], Awaitable[T]]) -> T:
    """Open the database alone (no runtime, no migration), run ``work``, close it."""
    import asyncio

    from sqlalchemy.exc import SQLAlchemyError

    from goalgate.storage.db import open_database
    from goalgate.storage.migrations import SchemaTooNew, UnknownRevision

    settings = _settings()
    _announce(settings)

    async def runner() -> T:
        db = open_database(settings.database_url)
        try:
            return await work(db)
        finally:
            await db.close()

    try:
        return asyncio.run(runner())
    except (SchemaTooNew, UnknownRevision, OSError) as exc:
        raise _fail(str(exc)) from None
    except SQLAlchemyError as exc:
        raise _fail(f"the database failed: {exc.__class__.__name__}: {exc}") from None


@sites_app.command("create")
def sites_create(
    key: Annotated[str, typer.Option(help="3-64 of letters, digits, '_', '-'.")],
    domain: Annotated[str, typer.Option(help="The site's host name.")],
    timezone: Annotated[str, typer.Option(help="IANA time zone of the site's calendar.")] = "UTC",
) -> None:
    """Create a site."""
    from goalgate.services import sites as site_service

    async def work(runtime: Runtime) -> None:
        site = await site_service.create_site(runtime.db, key=key, domain=domain, timezone=timezone)
        _out().print(f"created site {site.key} ({site.domain}, {site.timezone})", highlight=False)

    run_in_runtime(work)


@sites_app.command("list")
def sites_list() -> None:
    """List every site."""
    from rich.table import Table

    from goalgate.services import sites as site_service

    async def work(runtime: Runtime) -> None:
        sites = await site_service.list_sites(runtime.db)
        table = Table("key", "domain", "timezone", "created")
        for site in sites:
            table.add_row(site.key, site.domain, site.timezone, site.created_at.isoformat())
        _out().print(table)

    run_in_runtime(work)


@tokens_app.command("create")
def tokens_create(
    name: Annotated[str, typer.Option(help="What the token is for.")],
    scope: Annotated[list[str], typer.Option(help="analytics:read or analytics:write; repeat.")],
    site: Annotated[
        list[str] | None, typer.Option(help="Limit the token to this site key; repeat.")
    ] = None,
) -> None:
    """Issue a token; prints the secret, the only time it is ever shown."""
    from goalgate.services import tokens as token_service

    async def work(runtime: Runtime) -> str:
        _, secret = await token_service.create_token(
            runtime.db, name=name, scopes=scope, site_keys=site or None
        )
        return secret

    secret = run_in_runtime(work)
    # The secret alone on stdout, so that scripts can capture it.
    sys.stdout.write(secret + "\n")


@tokens_app.command("list")
def tokens_list() -> None:
    """List tokens (never their secrets)."""
    from rich.table import Table

    from goalgate.services import tokens as token_service

    async def work(runtime: Runtime) -> None:
        tokens = await token_service.list_tokens(runtime.db)
        table = Table("id", "name", "prefix", "scopes", "sites", "last used", "revoked")
        for token in tokens:
            table.add_row(
                str(token.id),
                token.name,
                token.prefix + "…",
                " ".join(token.scopes),
                "all" if token.site_keys is None else " ".join(token.site_keys),
                token.last_used_at.isoformat() if token.last_used_at else "never",
                token.revoked_at.isoformat() if token.revoked_at else "",
            )
        _out().print(table)

    run_in_runtime(work)


@tokens_app.command("revoke")
def tokens_revoke(
    token_id: Annotated[int, typer.Argument(help="The id shown by 'tokens list'.")],
) -> None:
    """Revoke a token at once and for good."""
    from goalgate.services import tokens as token_service

    async def work(runtime: Runtime) -> None:
        token = await token_service.revoke_token(runtime.db, token_id)
        _out().print(f"revoked token {token.id} ({token.name})", highlight=False)

    run_in_runtime(work)


@events_app.command("import")
def events_import(
    file: Annotated[Path, typer.Argument(help="NDJSON: one event per line, with its site.")],
    batch_size: Annotated[
        int, typer.Option(help="Events per commit.", min=1, max=100_000)
    ] = IMPORT_BATCH,
) -> None:
    """Import events from an NDJSON file; timestamps allowed.

    Valid lines are stored, invalid ones listed with their number and reason.
    Exit status: 0 all lines stored, 1 some rejected, 2 the file could not be read.
    """
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

    from goalgate.services import imports as import_service

    if not file.is_file():
        raise _fail(f"no such file: {file}")

    async def work(runtime: Runtime) -> import_service.ImportReport:
        columns = (
            TextColumn("importing"),
            BarColumn(),
            DownloadColumn(),
            TimeRemainingColumn(),
        )
        bar = Progress(
            *columns,
            console=_err(),
            transient=True,
            disable=not sys.stderr.isatty(),  # no bar in logs or pipes
        )
        with file.open("rb") as lines, bar:
            task = bar.add_task("import", total=file.stat().st_size)
            return await import_service.import_events(
                runtime.intake,
                lines,
                batch_size=batch_size,
                on_line=lambda size: bar.advance(task, size),
            )

    report = run_in_runtime(work)
    rejected = len(report.rejected)
    _out().print(f"accepted {report.accepted} lines, rejected {rejected}", markup=False)
    for rejection in report.rejected:
        _out().print(f"line {rejection.line}: {rejection.reason}", markup=False, soft_wrap=True)
    if rejected:
        raise typer.Exit(code=1)


@rates_app.command("import")
def rates_import(
    file: Annotated[Path, typer.Argument(help="CSV with the header date,currency,rate.")],
    base: Annotated[str, typer.Option(help="The currency the rates are quoted against.")] = "EUR",
) -> None:
    """Import daily exchange rates; revenue in other currencies converts with them."""
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn

    from goalgate.services import rates as rate_service

    if not file.is_file():
        raise _fail(f"no such file: {file}")
    size = file.stat().st_size

    async def work(runtime: Runtime) -> rate_service.RateImport:
        with (
            file.open(encoding="utf-8", newline="") as handle,
            Progress(
                TextColumn("importing rates"),
                BarColumn(),
                DownloadColumn(),
                console=_err(),
                transient=True,
                disable=not sys.stderr.isatty(),  # no bar in logs or pipes
            ) as progress,
        ):
            task = progress.add_task("rates", total=size)

            def lines() -> Iterator[str]:
                for line in handle:
                    progress.update(task, advance=len(line.encode()))
                    yield line

            return await rate_service.import_rates(runtime.db, lines(), base=base)

    report = run_in_runtime(work)
    _out().print(f"imported {report.accepted} rates against {base.upper()}")
    for number, reason in report.rejected:
        _err().print(f"line {number}: {reason}", highlight=False, markup=False)
    if report.rejected:
        _err().print(f"{len(report.rejected)} lines rejected")
        raise typer.Exit(code=1)


@app.command()
def demo(
    token_file: Annotated[
        Path | None,
        typer.Option(
            help="Where the demo token's secret is kept for later runs "
            "(default: demo-token in GOALGATE_DATA_DIR)."
        ),
    ] = None,
) -> None:
    """Seed a demo site, goals and token if none exist (safe to run again)."""
    from goalgate.services import demo as demo_service

    settings = _settings()
    token_file = token_file or settings.data_dir / "demo-token"
    known = token_file.read_text().strip() if token_file.is_file() else None

    async def work(runtime: Runtime) -> demo_service.DemoSeed:
        return await demo_service.seed_demo(runtime.db, runtime.sites, known_token=known)

    seed = run_in_runtime(work)
    if seed.token != known:
        # Kept so that the next run can print it again; readable by its owner only.
        token_file.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(token_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(seed.token + "\n")
    base = f"http://{settings.host}:{settings.port}"
    _out().print(f"dashboard:  {base}/dashboard/  (paste the demo token to sign in)")
    _out().print(f"demo token: {seed.token}", soft_wrap=True)
    _out().print(f"demo site:  {seed.site_key} ({seed.goals} goals, {seed.events} events)")
    _out().print(f"REST:       {base}/api/v1/analytics/sites/{seed.site_key}/goals")
    _out().print(f"GraphiQL:   {base}/graphql")


@app.command()
def schema() -> None:
    """Print the GraphQL schema (SDL); `make schema` writes it to schema.graphql."""
    from goalgate.api.graphql.schema import sdl

    sys.stdout.write(sdl() + "\n")


def main() -> None:
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    app()


if __name__ == "__main__":
    main()

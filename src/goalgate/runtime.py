"""The runtime of one process: every long-lived object, built and closed in one place.

The app's lifespan and the CLI's commands both open one ``Runtime``: the
database, the per-process caches over it (sites, principals, the key index,
the daily salt), the group committer, the live hub, the rate limiter and
the attribution of events (user-agent parser, GeoIP database). The
faces take what they need from it; services receive those parts as arguments,
never look them up. Closing runs in the reverse order of opening, so that
events queued for a commit are written, and announced, before the hub and the
engine go.

Every cache here is per process and safe to lose (other processes write the
same database); each states its staleness bound where it is defined.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, replace

from goalgate.metrics import Metrics, TimedReader
from goalgate.services import live
from goalgate.services.attribution import Attribution, ClientTraits
from goalgate.services.documents import DocumentStore, LocalDocuments, SharedDocuments
from goalgate.services.events import DailySalts, Intake
from goalgate.services.group_commit import GroupCommitter, NewKeyBudget
from goalgate.services.matching import KeyIndex
from goalgate.services.principals import Principals
from goalgate.services.queries import Analytics
from goalgate.services.ratelimit import CounterStore, RateLimiter
from goalgate.services.sites import SiteDirectory
from goalgate.settings import Settings
from goalgate.storage.db import Database, open_database
from goalgate.storage.ratelimit import DatabaseCounters

__all__ = ["Runtime", "open_runtime"]


@dataclass(frozen=True, slots=True)
class Runtime:
    settings: Settings
    db: Database
    sites: SiteDirectory
    principals: Principals
    # The per-site key dictionaries that goals and filters match against.
    key_index: KeyIndex
    # The stats path's view of db, key_index and sites (services.queries).
    analytics: Analytics
    # What ingestion writes through: sites, the daily salts, the group
    # committer and the attribution of events (services.events).
    intake: Intake
    hub: live.LiveHub
    limiter: RateLimiter
    # GraphQL documents by hash (automatic persisted queries; services.documents).
    documents: DocumentStore
    metrics: Metrics | None = None


@asynccontextmanager
async def open_runtime(settings: Settings, *, serving: bool = True) -> AsyncIterator[Runtime]:
    """Open everything (migrating the schema first); close it all on exit.

    ``serving`` False (the CLI) keeps live delivery in the process: a command
    has no subscribers, and needs no Redis or PostgreSQL listener.
    """
    async with AsyncExitStack() as stack:
        metrics = Metrics() if serving and settings.metrics != "off" else None
        if metrics is not None:
            stack.callback(metrics.forget_process)
        db = open_database(
            settings.database_url,
            echo=settings.echo_sql,
            read_budget_s=settings.read_budget_s,
            read_threads=settings.read_threads,
        )
        if metrics is not None:
            db = replace(db, reader=TimedReader(db.reader, metrics))
        stack.push_async_callback(db.close)
        await db.migrate()
        store: CounterStore = DatabaseCounters(db)
        documents: DocumentStore = LocalDocuments()
        if settings.redis_url and serving:
            from goalgate.storage.ratelimit_redis import RedisCounters, open_redis

            redis = open_redis(settings.redis_url)
            stack.push_async_callback(redis.aclose)
            store = RedisCounters(redis)
            documents = SharedDocuments(redis)
        stack.push_async_callback(documents.close)
        hub = (
            live.open_hub(settings.database_url, settings.redis_url)
            if serving
            else live.LiveHub(live.InProcess())
        )
        await hub.start()
        stack.push_async_callback(hub.stop)
        limiter = RateLimiter(store, workers=settings.workers)
        stack.push_async_callback(limiter.close)
        # The daily bound on new keys is the public route's; an operator's
        # import (the CLI) stores what it is given.
        new_keys = (
            NewKeyBudget(
                limiter, settings.max_new_keys_per_day, _client_share_of_new_keys(settings)
            )
            if serving and settings.max_new_keys_per_day
            else None
        )
        committer = GroupCommitter(
            db,
            hub=hub,
            metrics=metrics,
            new_keys=new_keys,
            visit_timeout_ms=settings.visit_timeout_minutes * 60_000,
        )
        stack.push_async_callback(committer.close)
        clients = ClientTraits(settings.geoip_database)
        stack.callback(clients.close)
        if serving:
            clients.warm()
        sites = SiteDirectory(db.reader)
        key_index = KeyIndex(
            db.reader,
            metrics=metrics,
            budget_s=settings.match_budget_s,
            max_keys=settings.key_index_max_keys,
        )
        yield Runtime(
            settings=settings,
            db=db,
            sites=sites,
            principals=Principals(db),
            key_index=key_index,
            analytics=Analytics(db, key_index, sites),
            intake=Intake(sites, DailySalts(db), committer, Attribution(clients)),
            hub=hub,
            limiter=limiter,
            documents=documents,
            metrics=metrics,
        )


def _client_share_of_new_keys(settings: Settings) -> int:
    """One client's daily share of a site's new keys: as set, else a tenth (at least 1)."""
    if settings.max_new_keys_per_client_day is not None:
        return settings.max_new_keys_per_client_day
    return max(1, settings.max_new_keys_per_day // 10)

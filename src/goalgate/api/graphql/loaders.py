"""Per-request DataLoaders: whatever many fields ask for is fetched in one batch.

A loader lives for one request (its cache must not outlive the request, nor be
shared between principals). Each batch opens its own session inside the
service it calls: one async session cannot serve concurrent resolvers.
"""

from __future__ import annotations

from collections.abc import Hashable

from strawberry.dataloader import DataLoader

from goalgate.services import stats as stats_service
from goalgate.storage.db import Database

__all__ = ["Loaders"]


def _stats_key(query: stats_service.StatsQuery) -> Hashable:
    # The version makes a goal edited earlier in the same request a new key.
    goal = query.goal
    return (goal.id, goal.version, query.range.start_ms, query.range.end_ms, query.range.timezone)


class Loaders:
    """The loaders of one request."""

    __slots__ = ("stats",)

    def __init__(self, db: Database) -> None:
        async def load_stats(
            queries: list[stats_service.StatsQuery],
        ) -> list[stats_service.GoalStats]:
            # stats_for aggregates any number of goals in one statement.
            return await stats_service.stats_for(db, queries)

        self.stats: DataLoader[stats_service.StatsQuery, stats_service.GoalStats] = DataLoader(
            load_fn=load_stats, cache_key_fn=_stats_key
        )

"""One writer process of the concurrency tests: creates goals, renames a shared one,
and records events through the ingestion service (its group commit included).

Run as ``python -m tests.concurrency.writer URL SITE WORKER COUNT SHARED_GOAL_ID``;
prints one JSON line with what it did and every error it met.

Each round ``n`` records one batch: ``batch_size(n)`` events named ``w{WORKER}-b{n}``
of identified visitors, plus ``SHARED_EACH`` anonymous events named ``shared``, a
key and a daily visitor salt that every writer process races to create.
"""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import UTC, datetime

from goalgate.domain.events import EventDraft
from goalgate.domain.goals import EventKind
from goalgate.domain.tokens import Principal, Scope
from goalgate.services import events as event_service
from goalgate.services import goals as goal_service
from goalgate.services.attribution import Attribution, ClientTraits
from goalgate.services.group_commit import GroupCommitter
from goalgate.storage.db import open_database
from tests.helpers.data import sites_of

PRINCIPAL = Principal(
    token_id=1,
    name="writer",
    scopes=frozenset({Scope.ANALYTICS_READ, Scope.ANALYTICS_WRITE}),
    site_keys=None,
)
SHARED_EACH = 2
# Anonymous events of one client: one visitor in every process, if the salt is shared.
CLIENT = event_service.Client(ip="192.0.2.7", user_agent="writer")


def batch_size(n: int) -> int:
    return n % 5 + 1


def drafts(site: str, worker: int, n: int) -> list[EventDraft]:
    def draft(name: str, visitor_id: str | None) -> EventDraft:
        return EventDraft(
            site_key=site,
            kind=EventKind.EVENT,
            value=name,
            visitor_id=visitor_id,
            timestamp_ms=None,
            revenue_micros=None,
            revenue_currency=None,
        )

    own = [draft(f"w{worker}-b{n}", f"w{worker}-v{v}") for v in range(batch_size(n))]
    return own + [draft("shared", None) for _ in range(SHARED_EACH)]


async def write(url: str, site: str, worker: int, count: int, shared: str) -> dict[str, object]:
    db = open_database(url)
    sites, salts, committer = sites_of(db), event_service.DailySalts(db), GroupCommitter(db)
    created, renamed, events, errors = 0, 0, 0, []
    try:
        for n in range(count):
            try:
                await goal_service.create_goal(
                    db,
                    sites_of(db),
                    PRINCIPAL,
                    site,
                    goal_service.GoalDraft(
                        name=f"w{worker}-g{n}",
                        type="event",
                        match_type="exact",
                        match_value=f"w{worker}-e{n}",
                    ),
                )
                created += 1
                await goal_service.update_goal(
                    db,
                    sites_of(db),
                    PRINCIPAL,
                    site,
                    shared,
                    goal_service.GoalChange({"match_value": f"w{worker}-{n}"}),
                )
                renamed += 1
                intake = event_service.Intake(sites, salts, committer, Attribution(ClientTraits()))
                events += await event_service.record_events(
                    intake,
                    drafts(site, worker, n),
                    principal=None,
                    client=CLIENT,
                    now=datetime.now(UTC),
                )
            except Exception as exc:  # every failure is reported, none hidden
                errors.append(f"{type(exc).__name__}: {exc}")
    finally:
        await committer.close()
        await db.close()
    return {"created": created, "renamed": renamed, "events": events, "errors": errors}


if __name__ == "__main__":
    url, site, worker, count, shared = sys.argv[1:6]
    result = asyncio.run(write(url, site, int(worker), int(count), shared))
    sys.stdout.write(json.dumps(result) + "\n")

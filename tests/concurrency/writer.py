"""One writer process of the concurrency tests: creates goals and renames a shared one.

Run as ``python -m tests.concurrency.writer URL SITE WORKER COUNT SHARED_GOAL_ID``;
prints one JSON line with what it did and every error it met.
"""

from __future__ import annotations

import asyncio
import json
import sys

from goalgate.domain.tokens import Principal, Scope
from goalgate.services import goals as goal_service
from goalgate.storage.db import open_database

PRINCIPAL = Principal(
    token_id=1,
    name="writer",
    scopes=frozenset({Scope.ANALYTICS_READ, Scope.ANALYTICS_WRITE}),
    site_keys=None,
)


async def write(url: str, site: str, worker: int, count: int, shared: str) -> dict[str, object]:
    db = open_database(url)
    created, renamed, errors = 0, 0, []
    try:
        for n in range(count):
            try:
                async with db.write() as session:
                    await goal_service.create_goal(
                        session,
                        PRINCIPAL,
                        site,
                        name=f"w{worker}-g{n}",
                        type="event",
                        match_type="exact",
                        match_value=f"w{worker}-e{n}",
                    )
                created += 1
                async with db.write() as session:
                    await goal_service.update_goal(
                        session, PRINCIPAL, site, shared, {"match_value": f"w{worker}-{n}"}
                    )
                renamed += 1
            except Exception as exc:  # every failure is reported, none hidden
                errors.append(f"{type(exc).__name__}: {exc}")
    finally:
        await db.close()
    return {"created": created, "renamed": renamed, "errors": errors}


if __name__ == "__main__":
    url, site, worker, count, shared = sys.argv[1:6]
    result = asyncio.run(write(url, site, int(worker), int(count), shared))
    sys.stdout.write(json.dumps(result) + "\n")

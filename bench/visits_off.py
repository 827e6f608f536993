"""``goalgate`` with visit tracking switched off: the baseline of what visits cost ingestion.

    python -m bench.visits_off serve --port 8001

The same CLI and server, with ``storage.visits.assign_visits`` replaced by one
that leaves every event's visit columns NULL (what goalgate wrote before issue
#22). Only for ``bench/visit_cost_bench.py``; with ``--workers 1`` uvicorn
runs the app in this process, so the replacement holds.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from goalgate import cli
from goalgate.storage import visits
from goalgate.storage.dialect import Dialect
from goalgate.storage.sql.visits import EVENT_VISIT_COLUMNS


def _no_visits(
    run: visits.Statements,
    dialect: Dialect,
    events: Sequence[dict[str, Any]],
    pageviews: Sequence[bool],
    timeout_ms: int,
) -> None:
    for event in events:
        event.update(dict.fromkeys(EVENT_VISIT_COLUMNS))


if __name__ == "__main__":
    visits.assign_visits = _no_visits
    cli.main()

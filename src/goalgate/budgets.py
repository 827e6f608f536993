"""What one request may spend on work that grows with the data, and whether its client is there.

A request's cost is not only its size: one small request can ask for matching
over thousands of long keys, or for reads over months of events, many times
over (clauses, aliases, sites, goals). So a request gets one budget when it
starts, and everything it does draws on that one budget:

- **matching** (``GOALGATE_MATCH_BUDGET_S``): goal patterns and CONTAINS
  filters tested against the sites' distinct values, every clause, alias and
  site of the request together;
- **reading** (``GOALGATE_READ_BUDGET_S``): statements over events must be
  done this long after the request started (waiting for a free reader
  included), so a request is answered within about that time whatever its
  shape.

The face that receives a request opens its budget (``api.budgets`` for HTTP,
the GraphQL extension for operations over a WebSocket); the key index and the
readers find it here. Work done outside a request (the CLI, a test calling a
service) has no request budget, and each call gets a fresh one of its own.

``client_gone`` is set when the client disconnects before its answer: reads
still running for it are interrupted instead of holding a reader until done.

This module is a leaf, like ``errors``: any layer may read the budget.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

__all__ = ["RequestBudget", "current", "opened"]


@dataclass(slots=True)
class RequestBudget:
    """One request's deadlines (``time.monotonic`` seconds) and its client's presence."""

    match_s: float
    read_s: float
    started: float = field(default_factory=time.monotonic)
    client_gone: asyncio.Event = field(default_factory=asyncio.Event)
    # Called when the request starts work that grows with the data (a heavy
    # read): the face may then start watching for its client leaving.
    on_heavy_work: Callable[[], None] = lambda: None

    @property
    def match_deadline(self) -> float:
        return self.started + self.match_s

    @property
    def read_deadline(self) -> float:
        return self.started + self.read_s


_current: ContextVar[RequestBudget | None] = ContextVar("goalgate_request_budget", default=None)


def current() -> RequestBudget | None:
    """The budget of the request being served in this context; None outside one."""
    return _current.get()


@contextmanager
def opened(*, match_s: float, read_s: float) -> Iterator[RequestBudget]:
    """Open a request's budget for the code run within (tasks it starts inherit it)."""
    budget = RequestBudget(match_s=match_s, read_s=read_s)
    token = _current.set(budget)
    try:
        yield budget
    finally:
        _current.reset(token)

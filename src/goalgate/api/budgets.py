"""Each HTTP request's budget (``goalgate.budgets``), and its work stopped when its client leaves.

The budget opens when the request arrives, so that every match and read it
makes, however many clauses, aliases, goals or sites it asks, draws on one
deadline.

A client that disconnects (a closed tab, a proxy's timeout, an impatient
script) does not stop an ASGI app by itself: its handler runs on, and a heavy
read keeps its reader for seconds for nobody. So once a request has started
work that grows with the data (``RequestBudget.watch``, called by the
readers), the middleware listens for the client's ``http.disconnect``; if it
comes before the response has started, the request's task is cancelled and
``client_gone`` is set, which interrupts reads run for it elsewhere (a
DataLoader's batch runs in a task of its own). Listening starts only then and
only after the body was read, so no other request pays for it and the app's
own reads of the body are untouched.
"""

from __future__ import annotations

import asyncio
from typing import Any

from litestar.types import ASGIApp, Message, Receive, ReceiveMessage, Scope, Send

from goalgate import budgets
from goalgate.settings import Settings

__all__ = ["CLIENT_GONE", "CLIENT_GONE_STATUS", "RequestBudgets"]

# Set in the ASGI scope of a request abandoned because its client left: the
# outer middleware then logs and counts it as nginx does, 499, not as a 500.
CLIENT_GONE = "goalgate.client_gone"
CLIENT_GONE_STATUS = 499


class RequestBudgets:
    """ASGI middleware: one budget per HTTP request, and a watch on its client."""

    def __init__(self, app: ASGIApp, *, settings: Settings) -> None:
        self._app = app
        self._match_s = settings.match_budget_s
        self._read_s = settings.read_budget_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        connection: str = scope["type"]
        if connection != "http":
            await self._app(scope, receive, send)
            return
        task = asyncio.current_task()
        assert task is not None
        state = _Request(receive, task)
        with budgets.opened(match_s=self._match_s, read_s=self._read_s) as budget:
            budget.on_heavy_work = state.watch
            try:
                await self._app(scope, state.receive, state.send(send))
            except asyncio.CancelledError:
                if not budget.client_gone.is_set():
                    raise
                # Cancelled by us: nobody is left to answer.
                task.uncancel()
                extensible: Any = scope
                extensible[CLIENT_GONE] = True
            finally:
                state.stop_watching()


class _Request:
    """What the middleware knows of one request: its body, its response, its watcher."""

    def __init__(self, receive: Receive, task: asyncio.Task[None]) -> None:
        self._receive = receive
        self._task = task
        self._body_read = False
        self._responding = False
        self._watcher: asyncio.Task[None] | None = None

    async def receive(self) -> ReceiveMessage:
        message = await self._receive()
        if message["type"] == "http.request" and not message.get("more_body", False):
            self._body_read = True
        return message

    def send(self, send: Send) -> Send:
        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                self._responding = True
            await send(message)

        return sending

    def watch(self) -> None:
        """Listen for the client leaving (once per request, after its body was read)."""
        if self._watcher is not None or self._responding:
            return
        budget = budgets.current()
        if budget is None:
            return
        self._watcher = asyncio.get_running_loop().create_task(self._listen(budget))

    async def _listen(self, budget: budgets.RequestBudget) -> None:
        while True:
            if not self._body_read:
                # A body the app has not read (GET): read and drop it, it is
                # empty or ignored; the app never asks for it after this point.
                await self.receive()
                continue
            message = await self._receive()
            if message["type"] == "http.disconnect":
                break
        if not self._responding:
            budget.client_gone.set()
            self._task.cancel()

    def stop_watching(self) -> None:
        if self._watcher is not None:
            self._watcher.cancel()

"""A small graphql-transport-ws client for the security tests, over a real socket."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

PROTOCOL = "graphql-transport-ws"


@asynccontextmanager
async def opened(base_url: str, token: str | None) -> AsyncIterator[ClientConnection]:
    """A socket past connection_init and its connection_ack."""
    url = base_url.replace("http://", "ws://") + "/graphql"
    async with connect(url, subprotocols=[PROTOCOL]) as socket:  # type: ignore[list-item]
        payload = {} if token is None else {"Authorization": f"Bearer {token}"}
        await socket.send(json.dumps({"type": "connection_init", "payload": payload}))
        ack = json.loads(await asyncio.wait_for(socket.recv(), 5))
        assert ack == {"type": "connection_ack"}
        yield socket


async def subscribe(
    socket: ClientConnection, op_id: str, query: str, variables: dict[str, Any] | None = None
) -> None:
    message = {
        "id": op_id,
        "type": "subscribe",
        "payload": {"query": query, "variables": variables or {}},
    }
    await socket.send(json.dumps(message))


async def receive(socket: ClientConnection, within: float = 5.0) -> dict[str, Any]:
    message: dict[str, Any] = json.loads(await asyncio.wait_for(socket.recv(), within))
    return message


async def run(
    socket: ClientConnection, op_id: str, query: str, variables: dict[str, Any] | None = None
) -> list[dict[str, Any]]:
    """Send one operation; every message of it up to and including its end."""
    await subscribe(socket, op_id, query, variables)
    messages = []
    while True:
        message = await receive(socket)
        assert message.get("id") == op_id, message
        messages.append(message)
        if message["type"] in {"complete", "error"}:
            return messages

"""How ``goalgate serve`` runs uvicorn: its HTTP protocol, with TCP_NODELAY on every connection.

Under ``--workers N`` uvicorn binds the listening socket itself with ``proto``
0 and hands it to each worker; asyncio only turns Nagle's algorithm off on
accepted sockets whose ``proto`` says TCP, so every keep-alive response after
the first waits for the client's delayed ACK: ~43 ms a request (uvicorn issue
#3149; measured here: /healthz 5,400 req/s at 2 workers with uvloop, 340
with asyncio's loop). uvloop sets TCP_NODELAY itself, but the fix must not
depend on which loop is installed, so the protocol sets it on each connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

__all__ = ["NoDelayHttpProtocol"]


class NoDelayHttpProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, with Nagle's algorithm off on every connection."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().connection_made(transport)

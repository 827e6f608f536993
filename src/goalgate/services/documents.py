"""Persisted GraphQL documents: the text of each document by the SHA-256 of its text.

Automatic persisted queries (``api.graphql.persisted``) let a client send a
document's hash instead of its text once the server knows it. Entries are
content-addressed (the key is the hash of the value), so an entry can never be
stale: it is right or absent, and losing one costs the client one more round
trip (it is told PERSISTED_QUERY_NOT_FOUND and sends the text again).

- ``LocalDocuments``: per process, least recently used first out, bounded
  by ``MAX_DOCUMENTS`` entries and ``MAX_CHARS`` characters of text in all.
  Each entry also keeps its document parsed (set by the GraphQL face the first
  time it runs it), so that a known document is not parsed again.
- ``SharedDocuments``: Redis (``GOALGATE_REDIS_URL``), so that a document one
  worker learnt is known to every worker, each entry expiring ``REDIS_TTL_S``
  after it was last stored; in front of it each process keeps a
  ``LocalDocuments`` (no staleness to bound: entries never change). A Redis that
  fails is logged and read as a miss: documents are safe to lose.

Documents over ``MAX_DOCUMENT_CHARS`` are run but never stored, so that a few
huge documents cannot flush the others (nor fill Redis).
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from redis.asyncio import Redis

__all__ = [
    "MAX_CHARS",
    "MAX_DOCUMENTS",
    "MAX_DOCUMENT_CHARS",
    "REDIS_TTL_S",
    "DocumentStore",
    "KnownDocument",
    "LocalDocuments",
    "SharedDocuments",
]

log = logging.getLogger("goalgate")

MAX_DOCUMENTS = 1_000
MAX_CHARS = 4_000_000
MAX_DOCUMENT_CHARS = 32_768
REDIS_TTL_S = 24 * 3600
_PREFIX = "goalgate:document:"


@dataclass(slots=True)
class KnownDocument:
    """A stored document's text, and its parsed form once the face has parsed it."""

    text: str
    # The face's parsed form (graphql-core's DocumentNode); None until parsed.
    parsed: Any = None


class DocumentStore(Protocol):
    @property
    def local(self) -> LocalDocuments:
        """This process's entries (what the face reads without I/O)."""
        ...

    async def get(self, sha256: str) -> KnownDocument | None: ...

    async def put(self, sha256: str, text: str) -> None: ...

    async def close(self) -> None: ...


class LocalDocuments:
    """Documents of this process, by hash (bounds in the module docstring)."""

    def __init__(self, *, max_documents: int = MAX_DOCUMENTS, max_chars: int = MAX_CHARS) -> None:
        self._entries: OrderedDict[str, KnownDocument] = OrderedDict()
        self._max_documents = max_documents
        self._max_chars = max_chars
        self._chars = 0

    @property
    def local(self) -> LocalDocuments:
        return self

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def chars(self) -> int:
        return self._chars

    def known(self, sha256: str) -> KnownDocument | None:
        """The entry, marked as the most recently used; no I/O."""
        entry = self._entries.get(sha256)
        if entry is not None:
            self._entries.move_to_end(sha256)
        return entry

    def remember(self, sha256: str, text: str) -> KnownDocument | None:
        """Keep ``text`` under ``sha256`` (the caller checked the hash); None if too long."""
        if len(text) > MAX_DOCUMENT_CHARS:
            return None
        entry = self.known(sha256)
        if entry is not None:
            return entry
        entry = KnownDocument(text)
        self._entries[sha256] = entry
        self._chars += len(text)
        while len(self._entries) > self._max_documents or self._chars > self._max_chars:
            _, evicted = self._entries.popitem(last=False)
            self._chars -= len(evicted.text)
        return entry

    async def get(self, sha256: str) -> KnownDocument | None:
        return self.known(sha256)

    async def put(self, sha256: str, text: str) -> None:
        self.remember(sha256, text)

    async def close(self) -> None:
        self._entries.clear()
        self._chars = 0


class SharedDocuments:
    """Documents in Redis, known to every worker, with this process's in front."""

    def __init__(self, client: Redis, *, ttl_s: int = REDIS_TTL_S) -> None:
        self._client = client
        self._ttl_s = ttl_s
        self._local = LocalDocuments()

    @property
    def local(self) -> LocalDocuments:
        return self._local

    async def get(self, sha256: str) -> KnownDocument | None:
        entry = self._local.known(sha256)
        if entry is not None:
            return entry
        try:
            raw = await self._client.get(_PREFIX + sha256)
        except Exception:
            log.warning("persisted documents: Redis failed; read as a miss", exc_info=True)
            return None
        if raw is None:
            return None
        text = raw.decode("utf-8") if isinstance(raw, bytes) else str(raw)
        return self._local.remember(sha256, text) or KnownDocument(text)

    async def put(self, sha256: str, text: str) -> None:
        if self._local.remember(sha256, text) is None:
            return  # too long to store anywhere
        try:
            await self._client.set(_PREFIX + sha256, text.encode("utf-8"), ex=self._ttl_s)
        except Exception:
            log.warning("persisted documents: Redis failed; kept in this process", exc_info=True)

    async def close(self) -> None:
        await self._local.close()

"""Trusted documents: with ``GOALGATE_GRAPHQL_TRUSTED_DOCUMENTS``, only the operator's own
frontends' documents run.

The setting names a JSON manifest ``{id: document}``, as graphql-codegen's client
preset (``persistedDocuments``) and Relay's persisted queries write it (ids are
whatever hash the tool used: sha1, sha256, md5...). A request names its document:

- by id: ``documentId`` (GraphQL over HTTP's persisted documents; a ``sha256:``
  prefix is read too), ``doc_id`` or ``id`` (Relay's examples), or
  ``extensions.persistedQuery.sha256Hash`` (the client preset's and Apollo's);
  besides the manifest's own ids, the SHA-256 of each document names it, so an
  Apollo Client with automatic persisted queries works when it prints the
  documents as the manifest holds them. An id the manifest lacks answers
  ``200`` ``PERSISTED_QUERY_NOT_FOUND``, as an unknown persisted query;
- or by text: a ``query`` that is exactly one of the manifest's documents.

Any other document is refused before it is parsed, with
``PERSISTED_QUERY_NOT_IN_LIST`` (a request error: ``200`` in application/json,
``400`` in application/graphql-response+json), over HTTP and on the WebSocket
alike (``socket_handler`` answers a refused operation on the socket with an
``error`` message; ``TrustedOnly`` checks every operation's text, whatever its
transport, as a last net). On the socket, documents go by text only.
Automatic persisted queries learn nothing in this mode: the manifest is the list.
GraphiQL's own queries are not in a manifest, so GraphiQL does not work in it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from strawberry.extensions import SchemaExtension
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import SubscribeMessage

from goalgate.api.graphql import http, persisted
from goalgate.api.graphql.errors import CodedError

__all__ = ["PERSISTED_QUERY_NOT_IN_LIST", "TrustedDocuments", "TrustedOnly", "socket_handler"]

PERSISTED_QUERY_NOT_IN_LIST = "PERSISTED_QUERY_NOT_IN_LIST"
NOT_IN_LIST = (
    "this server runs trusted documents only (GOALGATE_GRAPHQL_TRUSTED_DOCUMENTS), "
    "and this document is not one of them"
)
_SHA256_PREFIX = "sha256:"


@dataclass(frozen=True, slots=True)
class TrustedDocuments:
    """The documents of a manifest, by id (its own and their SHA-256) and by text."""

    by_id: Mapping[str, str]
    texts: frozenset[str]

    @classmethod
    def load(cls, path: Path) -> TrustedDocuments:
        """The manifest at ``path``; ValueError, saying what is wrong, for a bad one."""
        try:
            manifest = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeError, ValueError) as exc:
            raise ValueError(f"cannot read the trusted documents at {path}: {exc}") from exc
        if not isinstance(manifest, dict) or not all(
            isinstance(key, str) and isinstance(value, str) and value.strip()
            for key, value in manifest.items()
        ):
            raise ValueError(
                f"the trusted documents at {path} must be a JSON object of ids to documents"
            )
        by_id = {persisted.sha256_of(text): text for text in manifest.values()}
        by_id.update(manifest)
        return cls(by_id=by_id, texts=frozenset(manifest.values()))

    def find(self, document_id: str) -> str | None:
        text = self.by_id.get(document_id)
        if text is None and document_id.startswith(_SHA256_PREFIX):
            text = self.by_id.get(document_id.removeprefix(_SHA256_PREFIX).lower())
        if text is None and persisted.is_sha256(document_id):
            text = self.by_id.get(document_id.lower())
        return text

    def resolve(self, params: http.Params) -> http.Params:
        """The request with the text of the document it names; Refused (NOT_FOUND) for an
        id not in the manifest. A text is checked by ``TrustedOnly``, as it runs."""
        document_id = params.document_id or _persisted_hash(params)
        if document_id is None:
            if params.query is None:
                raise persisted.Refused(
                    http.http_error(400, "the query parameter is required", "BAD_REQUEST")
                )
            return params
        text = self.find(document_id)
        if text is None:
            if params.query is not None:
                return params  # an id of the client's own: the text decides (TrustedOnly)
            raise persisted.not_found()
        return replace(params, query=text)


def _persisted_hash(params: http.Params) -> str | None:
    extensions = params.extensions or {}
    found = extensions.get("persistedQuery")
    if isinstance(found, dict) and isinstance(found.get("sha256Hash"), str):
        return str(found["sha256Hash"])
    return None


class TrustedOnly(SchemaExtension):
    """Refuses, before parsing, any document that is not in the manifest."""

    def __init__(self, *, texts: frozenset[str]) -> None:
        self._texts = texts

    def on_parse(self) -> Iterator[None]:
        if self.execution_context.query not in self._texts:
            raise CodedError(NOT_IN_LIST, PERSISTED_QUERY_NOT_IN_LIST)
        yield


def socket_handler(
    texts: frozenset[str],
) -> type[BaseGraphQLTransportWSHandler[Any, Any]]:
    """graphql-transport-ws, answering an operation whose document is not trusted with
    an ``error`` message (before it runs; Strawberry would only log a refusal
    raised while parsing, and complete)."""

    class TrustedSocket(BaseGraphQLTransportWSHandler[Any, Any]):
        async def handle_subscribe(self, message: SubscribeMessage) -> None:
            query = (message.get("payload") or {}).get("query")
            known = message["id"] in self.operations
            if self.connection_acknowledged and not known and query not in texts:
                error = CodedError(NOT_IN_LIST, PERSISTED_QUERY_NOT_IN_LIST)
                await self.send_message(
                    {"id": message["id"], "type": "error", "payload": [error.formatted]}
                )
                return
            await super().handle_subscribe(message)

    return TrustedSocket

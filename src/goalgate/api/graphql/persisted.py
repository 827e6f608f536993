"""Automatic persisted queries (Apollo's protocol, version 1), over POST and GET.

A client sends ``extensions.persistedQuery = {"version": 1, "sha256Hash": H}``
where H is the SHA-256 (lowercase hex) of the document's text:

- with no ``query``: the document stored under H runs; unknown, the answer is
  ``200`` with one error ``PersistedQueryNotFound`` (``PERSISTED_QUERY_NOT_FOUND``),
  upon which Apollo Client (and other clients of the protocol) sends the
  text with the hash;
- with a ``query``: its hash must be H (else ``400``,
  ``PERSISTED_QUERY_HASH_MISMATCH``); it runs, and once it has parsed and
  validated it is stored (``services.documents``: per process, or in Redis for
  every worker) so that the hash alone runs it from then on;
- a version other than 1, or a ``persistedQuery`` that is not an object:
  ``200`` with ``PersistedQueryNotSupported`` (``PERSISTED_QUERY_NOT_SUPPORTED``),
  upon which a client turns the protocol off and sends texts.

The ``200`` and the messages are Apollo Server's, which clients match on; the
answer also says ``Cache-Control: private, no-cache, must-revalidate`` so
that no cache in between keeps a "not found" for a hash that is known a moment
later. A GET with a known hash runs queries only (a mutation is a ``405``, as
any mutation over GET), so a CDN may cache its answers.
A known document is neither parsed nor validated again: ``Documents`` hands
out the parsed document kept with its hash (validation results are cached by
document, ``schema.validated``).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from functools import cache, lru_cache
from typing import Any

from graphql import DocumentNode, parse
from strawberry.extensions import SchemaExtension

from goalgate.api.graphql import http
from goalgate.api.graphql.context import GraphQLContext
from goalgate.api.graphql.error_codes import GRAPHQL_PARSE_FAILED, GRAPHQL_VALIDATION_FAILED
from goalgate.services.documents import DocumentStore

__all__ = [
    "PERSISTED_QUERY_HASH_MISMATCH",
    "PERSISTED_QUERY_NOT_FOUND",
    "PERSISTED_QUERY_NOT_SUPPORTED",
    "Documents",
    "Persisted",
    "Refused",
    "is_sha256",
    "not_found",
    "parse_cache",
    "requested_hash",
    "resolve",
    "sha256_of",
    "storable",
]

PERSISTED_QUERY_NOT_FOUND = "PERSISTED_QUERY_NOT_FOUND"
PERSISTED_QUERY_NOT_SUPPORTED = "PERSISTED_QUERY_NOT_SUPPORTED"
PERSISTED_QUERY_HASH_MISMATCH = "PERSISTED_QUERY_HASH_MISMATCH"
VERSION = 1
# As Apollo Server sends them: clients that predate extensions.code match the message.
NOT_FOUND_MESSAGE = "PersistedQueryNotFound"
NOT_SUPPORTED_MESSAGE = "PersistedQueryNotSupported"
NO_CACHE = {"Cache-Control": "private, no-cache, must-revalidate"}

_HASH = re.compile(r"[0-9a-fA-F]{64}")


class Refused(Exception):
    """The persisted-query part of a request is refused with ``answer``."""

    def __init__(self, answer: http.Answer) -> None:
        super().__init__(answer.body["errors"][0]["message"])
        self.answer = answer


@dataclass(frozen=True, slots=True)
class Persisted:
    """A request's parameters, the document's text filled in, and the hash to store
    the text under once it validates (None: nothing to store)."""

    params: http.Params
    register: str | None = None


def sha256_of(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def is_sha256(text: str) -> bool:
    return _HASH.fullmatch(text) is not None


def not_found() -> Refused:
    return Refused(http.http_error(200, NOT_FOUND_MESSAGE, PERSISTED_QUERY_NOT_FOUND, NO_CACHE))


def _not_supported() -> Refused:
    return Refused(
        http.http_error(200, NOT_SUPPORTED_MESSAGE, PERSISTED_QUERY_NOT_SUPPORTED, NO_CACHE)
    )


def requested_hash(extensions: dict[str, Any] | None) -> str | None:
    """The hash a request names (lowercase), None when it names none; Refused when
    its persistedQuery is not version 1 or its hash is not 64 hex digits."""
    if not extensions or "persistedQuery" not in extensions:
        return None
    persisted = extensions["persistedQuery"]
    if not isinstance(persisted, dict):
        raise _not_supported()
    version = persisted.get("version")
    if type(version) is not int or version != VERSION:
        raise _not_supported()
    sha256 = persisted.get("sha256Hash")
    if not isinstance(sha256, str) or not _HASH.fullmatch(sha256):
        raise Refused(
            http.http_error(
                400,
                "extensions.persistedQuery.sha256Hash must be the SHA-256 of the document "
                "in hexadecimal (64 digits)",
                "BAD_REQUEST",
            )
        )
    return sha256.lower()


async def resolve(params: http.Params, documents: DocumentStore) -> Persisted:
    """The request with its document's text, by hash if it sent one (module docstring)."""
    sha256 = requested_hash(params.extensions)
    if sha256 is None:
        if params.query is None:
            raise Refused(http.http_error(400, "the query parameter is required", "BAD_REQUEST"))
        return Persisted(params)
    if params.query is None:
        known = await documents.get(sha256)
        if known is None:
            raise not_found()
        return Persisted(replace(params, query=known.text))
    if sha256_of(params.query) != sha256:
        raise Refused(
            http.http_error(
                400,
                "extensions.persistedQuery.sha256Hash is not the SHA-256 of the query",
                PERSISTED_QUERY_HASH_MISMATCH,
            )
        )
    if documents.local.known(sha256) is not None:
        return Persisted(params)  # stored already
    return Persisted(params, register=sha256)


def storable(errors: list[dict[str, Any]] | None) -> bool:
    """True when a document's answer shows that it parsed and validated."""
    refused = {GRAPHQL_PARSE_FAILED, GRAPHQL_VALIDATION_FAILED}
    return not any((error.get("extensions") or {}).get("code") in refused for error in errors or ())


ParseFunction = Callable[..., DocumentNode]


@cache  # one parse cache per size, shared by every schema built
def parse_cache(maxsize: int) -> ParseFunction:
    """The bounded cache of documents parsed by text (as Strawberry's ParserCache)."""
    return lru_cache(maxsize=maxsize)(parse)


class Documents(SchemaExtension):
    """Parsing, cached: a persisted document (one whose request names its hash and
    whose text is the one stored under it) is parsed once per process and kept with
    its hash; any other document in a bounded cache by its text. Takes the place of
    Strawberry's ParserCache."""

    def __init__(self, *, parsed: ParseFunction) -> None:
        self._parse = parsed

    def on_parse(self) -> Iterator[None]:
        execution = self.execution_context
        query = execution.query
        assert query is not None  # Strawberry refuses a request without one before parsing
        known = _known(execution.context, execution.operation_extensions, query)
        if known is not None and known.parsed is not None:
            execution.graphql_document = known.parsed
        else:
            # A syntax error rises from here (coded by error_codes.code_what_escaped).
            document = self._parse(query, **execution.parse_options)
            if known is not None:
                known.parsed = document
            execution.graphql_document = document
        yield


def _known(context: object, extensions: dict[str, Any] | None, query: str) -> Any:
    """The stored entry of the request's hash when its text is this query; no I/O."""
    if not isinstance(context, GraphQLContext):
        return None
    try:
        sha256 = requested_hash(extensions)
    except Refused:
        return None
    if sha256 is None:
        return None
    known = context.runtime.documents.local.known(sha256)
    return known if known is not None and known.text == query else None

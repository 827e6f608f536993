"""GraphQL over HTTP: media types, request parameters and status codes, as the spec drafts them.

Pure functions over headers, bodies and results (the controller wires them to
Litestar), following https://graphql.github.io/graphql-over-http/draft/:

- The answer is ``application/graphql-response+json`` or ``application/json``,
  whichever the ``Accept`` header ranks higher (q value, then the more specific
  range, then the order listed). No ``Accept``, ``*/*`` and ``application/*``
  mean ``application/json``: the spec's legacy rule, kept because every client
  written before the new media type reads it. Neither acceptable: ``406``.
- A request that is not a well-formed GraphQL-over-HTTP request (a body that is
  not a JSON object, a batch, no ``query`` and no persisted query's hash
  (``persisted``), a parameter of the wrong type) is a
  ``400`` (JSON nested too deeply to decode included); a POST that is not
  ``application/json`` in UTF-8 a ``415``; a mutation over GET a ``405`` with
  ``Allow: POST``; a subscription a ``400`` (it runs over a WebSocket only).
- A GraphQL request error (the document does not parse or validate, the
  operation cannot be chosen, the variables do not coerce) answers
  ``{"errors": [...]}`` without ``data``: ``200`` in ``application/json`` (a
  legacy client trusts only a 200), ``400`` in ``application/graphql-response+json``.
- An executed operation answers ``200`` with ``data`` (null or not), field
  errors included: auth errors are field errors, so a partial answer stays whole.

Every refusal is a JSON body with an ``errors`` list, and every error in it
carries ``extensions.code``: the HTTP-level ones ``BAD_REQUEST``,
``METHOD_NOT_ALLOWED``, ...; the GraphQL ones as ``error_codes`` says.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import msgspec
from graphql import GraphQLError
from strawberry.types import ExecutionResult

__all__ = [
    "GRAPHQL_RESPONSE",
    "JSON",
    "Answer",
    "MalformedRequest",
    "Params",
    "accepts_html",
    "content_type",
    "http_error",
    "is_request_error",
    "negotiate",
    "not_acceptable",
    "params_from_body",
    "params_from_query",
    "request_error",
    "result_answer",
]

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"
# What a 406 tells the client it may ask for.
ACCEPTABLE = f"{GRAPHQL_RESPONSE}; charset=utf-8, {JSON}; charset=utf-8"

_UTF8 = frozenset({"utf-8", "utf8"})
_DECODER = msgspec.json.Decoder()


class _TooDeep(ValueError):
    """JSON nested deeper than the decoders recurse."""


def _decode_json(raw: str | bytes) -> Any:
    """JSON as RFC 8259 reads it; ValueError when it is not JSON (_TooDeep when nested
    past what the decoders recurse into: msgspec raises RecursionError, not DecodeError).

    msgspec is fast but refuses a string holding a lone surrogate escape
    (``"\\ud800"``), which is valid JSON: the standard library reads it, so
    that the goal rules refuse such a name as INVALID, as on any other face.
    """
    try:
        try:
            return _DECODER.decode(raw)
        except msgspec.DecodeError:
            return json.loads(raw)
    except RecursionError:
        raise _TooDeep from None


@dataclass(frozen=True, slots=True)
class Answer:
    """What to send: a status, a JSON body and extra headers."""

    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Params:
    """The parameters of one well-formed GraphQL-over-HTTP request (no query: a
    persisted query's hash stands for it)."""

    query: str | None
    operation_name: str | None = None
    variables: dict[str, Any] | None = None
    extensions: dict[str, Any] | None = None
    # The id of a trusted document (``documentId``, ``doc_id`` or ``id``; trusted.py).
    document_id: str | None = None


class MalformedRequest(Exception):
    """The HTTP request is not a well-formed GraphQL-over-HTTP request."""

    def __init__(
        self,
        message: str,
        *,
        status: int = 400,
        code: str = "BAD_REQUEST",
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.answer = http_error(status, message, code, headers)


def http_error(
    status: int, message: str, code: str, headers: Mapping[str, str] | None = None
) -> Answer:
    """An HTTP-level refusal, in the shape of a GraphQL response without data."""
    body = {"errors": [{"message": message, "extensions": {"code": code}}]}
    return Answer(status, body, dict(headers or {}))


def content_type(media_type: str) -> str:
    return f"{media_type}; charset=utf-8"


# --- Accept -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Range:
    media_range: str
    q: float
    index: int

    def specificity(self, offer: str) -> int:
        """How closely this range names ``offer``; -1 when it does not match it."""
        if self.media_range == offer:
            return 2
        if self.media_range == offer.split("/")[0] + "/*":
            return 1
        return 0 if self.media_range == "*/*" else -1


def _ranges(accept: str) -> list[_Range]:
    ranges = []
    for index, item in enumerate(accept.split(",")):
        media_range, *parameters = (part.strip() for part in item.split(";"))
        q = 1.0
        usable = bool(media_range)
        for parameter in parameters:
            name, _, value = parameter.partition("=")
            name, value = name.strip().lower(), value.strip().strip('"').lower()
            if name == "q":
                try:
                    q = float(value)
                except ValueError:
                    usable = False
            elif name == "charset" and value not in _UTF8:
                usable = False  # we only write UTF-8
        if usable and 0 <= q <= 1:
            ranges.append(_Range(media_range.lower(), q, index))
    return ranges


def _quality(ranges: Sequence[_Range], offer: str) -> tuple[float, int, int]:
    """(q, specificity, -position) of the most specific range naming ``offer``."""
    best: tuple[int, _Range] | None = None
    for candidate in ranges:
        specificity = candidate.specificity(offer)
        if specificity >= 0 and (best is None or specificity > best[0]):
            best = (specificity, candidate)
    if best is None:
        return (0.0, -1, 0)
    specificity, chosen = best
    return (chosen.q, specificity, -chosen.index)


def negotiate(accept: str | None) -> str | None:
    """The media type to answer in for this ``Accept`` header; None when neither is acceptable."""
    if accept is None or not accept.strip():
        return JSON
    ranges = _ranges(accept)
    # application/json first: on a tie (both named by one wildcard) it wins.
    ranked = [(_quality(ranges, offer), offer) for offer in (JSON, GRAPHQL_RESPONSE)]
    (quality, offer) = max(ranked, key=lambda pair: pair[0])
    return offer if quality[0] > 0 else None


def accepts_html(accept: str | None) -> bool:
    """True when the client names text/html: a browser, which gets GraphiQL."""
    return accept is not None and any(
        item.media_range == "text/html" and item.q > 0 for item in _ranges(accept)
    )


def not_acceptable() -> Answer:
    return http_error(
        406,
        f"this endpoint answers in {GRAPHQL_RESPONSE} or {JSON}; the Accept header allows neither",
        "NOT_ACCEPTABLE",
        {"Accept": ACCEPTABLE},
    )


# --- parameters ---------------------------------------------------------------

# The names a trusted document's id goes by: GraphQL over HTTP's, then Relay's examples'.
_DOCUMENT_IDS = ("documentId", "doc_id", "id")


def _checked(data: Mapping[str, Any]) -> Params:
    query = data.get("query")
    variables, extensions = data.get("variables"), data.get("extensions")
    document_id = None
    for name in _DOCUMENT_IDS:
        if data.get(name) is not None:
            if not isinstance(data[name], str):
                raise MalformedRequest(f"the {name} parameter must be a string")
            document_id = data[name]
            break
    # A persisted query's hash (persisted.py), or a trusted document's id
    # (trusted.py), may stand for its text.
    persisted = isinstance(extensions, dict) and "persistedQuery" in extensions
    if query is None and not persisted and document_id is None:
        raise MalformedRequest("the query parameter is required")
    if query is not None and not isinstance(query, str):
        raise MalformedRequest("the query parameter must be a string")
    operation_name = data.get("operationName")
    if operation_name is not None and not isinstance(operation_name, str):
        raise MalformedRequest("the operationName parameter must be a string or null")
    for name, value in (("variables", variables), ("extensions", extensions)):
        if value is not None and not isinstance(value, dict):
            raise MalformedRequest(f"the {name} parameter must be a JSON object or null")
    return Params(
        query=query,
        # The spec: an empty operationName is the same as none.
        operation_name=operation_name or None,
        variables=variables,
        extensions=extensions,
        document_id=document_id,
    )


def params_from_query(query_params: Mapping[str, Sequence[str]]) -> Params:
    """The parameters of a GET request, from its query string (all values of each name)."""
    data: dict[str, Any] = {}
    for name in ("query", "operationName", "variables", "extensions", *_DOCUMENT_IDS):
        values = query_params.get(name) or []
        if len(values) > 1:
            raise MalformedRequest(f"the {name} parameter is given more than once")
        if not values:
            continue
        value = values[0]
        if name in ("variables", "extensions"):
            if not value:
                continue  # an empty value is the same as none
            try:
                data[name] = _decode_json(value)
            except _TooDeep:
                raise MalformedRequest(f"the {name} parameter is nested too deeply") from None
            except ValueError:
                raise MalformedRequest(f"the {name} parameter is not valid JSON") from None
        else:
            data[name] = value
    return _checked(data)


def params_from_body(content_type_header: str | None, body: bytes) -> Params:
    """The parameters of a POST request: a JSON object in UTF-8."""
    if not content_type_header:
        raise MalformedRequest(
            f"a POST needs Content-Type: {JSON}",
            status=415,
            code="UNSUPPORTED_MEDIA_TYPE",
        )
    media_type, *parameters = (part.strip().lower() for part in content_type_header.split(";"))
    charsets = [
        p.partition("=")[2].strip().strip('"') for p in parameters if p.startswith("charset")
    ]
    if media_type != JSON or any(charset not in _UTF8 for charset in charsets):
        raise MalformedRequest(
            f"a POST body must be {JSON} in UTF-8, not {content_type_header}",
            status=415,
            code="UNSUPPORTED_MEDIA_TYPE",
        )
    if not body.strip():
        raise MalformedRequest("the request body is empty: send a JSON object with a query")
    try:
        data = _decode_json(body)
    except _TooDeep:
        raise MalformedRequest("the JSON body is nested too deeply") from None
    except ValueError:
        raise MalformedRequest("the request body is not valid JSON") from None
    if isinstance(data, list):
        raise MalformedRequest("batching is not supported: send one operation per request")
    if not isinstance(data, dict):
        raise MalformedRequest("the request body must be a JSON object")
    return _checked(data)


# --- answers ------------------------------------------------------------------


def is_request_error(result: ExecutionResult) -> bool:
    """True when the operation never ran: parsing, validation or variable coercion failed.

    Those errors are raised before execution, so they carry no path; a field
    error always has one, even when it nulls the whole ``data``.
    """
    return (
        result.data is None
        and bool(result.errors)
        and all(error.path is None for error in result.errors or ())
    )


def request_error(media_type: str, errors: Sequence[GraphQLError]) -> Answer:
    """A GraphQL request error: ``errors`` and no ``data``."""
    status = 200 if media_type == JSON else 400
    return Answer(status, {"errors": [error.formatted for error in errors]})


def result_answer(media_type: str, result: ExecutionResult) -> Answer:
    """The answer for what ``schema.execute`` returned."""
    if is_request_error(result):
        answer = request_error(media_type, result.errors or [])
        if result.extensions:
            answer.body["extensions"] = result.extensions
        return answer
    body: dict[str, Any] = {"data": result.data}
    if result.errors:
        body["errors"] = [error.formatted for error in result.errors]
    if result.extensions:
        body["extensions"] = result.extensions
    return Answer(200, body)

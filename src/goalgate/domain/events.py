"""The rules of an incoming event: its fields, their limits, and what is stored of them.

Every face that takes events in (the ingestion route, ``goalgate events
import``) reads them through :func:`parse_event`, so that the HTTP API and the
importer accept exactly the same events. Faults are reported per field with
dotted names (``revenue.amount``); callers prefix them with the event's place
in its batch or file.
"""

from __future__ import annotations

import contextlib
import re
import urllib.parse
from dataclasses import dataclass
from datetime import datetime, timedelta

from goalgate.domain import money
from goalgate.domain.dimensions import EXPLICIT, RESERVED_LABELS, UTM, Dimension, canonical
from goalgate.domain.goals import EventKind
from goalgate.domain.instants import EPOCH, epoch_ms
from goalgate.errors import ValidationFailed

__all__ = [
    "FUTURE_TOLERANCE",
    "MAX_URL_LENGTH",
    "MAX_VALUE_LENGTH",
    "MAX_VISITOR_ID_LENGTH",
    "EventDraft",
    "normalize_path",
    "parse_event",
]

# Paths and names share the event_keys.value column, VARCHAR(1024).
MAX_VALUE_LENGTH = 1024
MAX_VISITOR_ID_LENGTH = 128
MAX_SITE_KEY_LENGTH = 64
# A URL may carry a long query string that is thrown away; bound it all the same.
MAX_URL_LENGTH = 8192
# Clocks of the machines that backfill drift; a timestamp further ahead is a mistake.
FUTURE_TOLERANCE = timedelta(minutes=5)

# Of a page URL's query string, only the campaign tags are read; the rest is
# thrown away, never stored.
_UTM_PARAMETERS = {dimension.value: dimension for dimension in UTM}
_FIELDS = frozenset(
    {"site", "type", "url", "path", "name", "revenue", "visitor_id", "timestamp", "referrer"}
    | {dimension.value for dimension in EXPLICIT}
)
_REVENUE_FIELDS = frozenset({"amount", "currency"})


@dataclass(frozen=True, slots=True)
class EventDraft:
    """One valid event, before its site is looked up and its visitor derived."""

    site_key: str
    kind: EventKind
    # The page path of a pageview, or the name of a custom event or ka.goal() call.
    value: str
    visitor_id: str | None
    # Epoch milliseconds when the client sent a timestamp; None means "now".
    timestamp_ms: int | None
    revenue_micros: int | None
    revenue_currency: str | None
    # The page the event happened on (a pageview's own path); None if not sent.
    page: str | None = None
    # The referrer URL as sent: the service keeps its domain and source only.
    referrer: str | None = None
    # Canonical values sent explicitly or read from the URL's campaign tags
    # (an explicit field wins over the URL), in ``Dimension`` order.
    dimensions: tuple[tuple[Dimension, str], ...] = ()


def parse_event(raw: object, *, now: datetime) -> EventDraft:
    """Validate one decoded JSON event; raise ValidationFailed naming every faulty field.

    Whether the caller may send ``timestamp`` at all is an authorisation
    question, answered by the service, not here.
    """
    if not isinstance(raw, dict):
        raise ValidationFailed("the event is not valid", fields={"": "must be an event object"})
    faults: dict[str, str] = {}
    for name in raw:
        if name not in _FIELDS:
            faults[str(name)] = "unknown field"

    site = _text(raw, "site", faults, limit=MAX_SITE_KEY_LENGTH, required=True)
    kind = _kind(raw, faults)
    page, query = _page(raw, kind, faults)
    value = page if kind is EventKind.PAGEVIEW else _name(raw, kind, faults)
    visitor_id = _text(raw, "visitor_id", faults, limit=MAX_VISITOR_ID_LENGTH)
    timestamp_ms = _timestamp(raw, now, faults)
    micros, currency = _revenue(raw, kind, faults)
    referrer = _text(raw, "referrer", faults, limit=MAX_URL_LENGTH)
    dimensions = _dimensions(raw, query, faults)

    if faults or site is None or kind is None or value is None:
        raise ValidationFailed("the event is not valid", fields=faults)
    return EventDraft(
        site,
        kind,
        value,
        visitor_id,
        timestamp_ms,
        micros,
        currency,
        page=page,
        referrer=referrer,
        dimensions=dimensions,
    )


def normalize_path(raw: str) -> str:
    """A page path as stored: no query or fragment, percent-decoded, never empty.

    Decoding makes ``/caf%C3%A9`` and ``/café`` one page, as a person reads it;
    a path whose decoding is not valid UTF-8 or would yield control characters
    is kept as sent. The trailing slash is kept: ``/pricing/`` and ``/pricing``
    are different pages to a goal.
    """
    path = raw.split("#", 1)[0].split("?", 1)[0]
    if "%" in path:
        try:
            decoded = urllib.parse.unquote(path, errors="strict")
        except UnicodeDecodeError:
            decoded = path
        if not _has_control_or_surrogate(decoded):
            path = decoded
    return path or "/"


# Event text is matched, not read by people: format characters (Cf) may be
# part of a real name or path, and are kept (see domain.text). Controls (Cc)
# and surrogates (Cs) are fixed sets by Unicode's stability policy, so one
# compiled class finds them: a loop over unicodedata.category cost ~0.15 s on
# the event loop for a 1 MiB batch, this a tenth of it.
_CONTROL_OR_SURROGATE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


def _has_control_or_surrogate(value: str) -> bool:
    return _CONTROL_OR_SURROGATE.search(value) is not None


def _text(
    raw: dict[object, object],
    name: str,
    faults: dict[str, str],
    *,
    limit: int,
    required: bool = False,
) -> str | None:
    value = raw.get(name)
    if value is None:
        if required:
            faults[name] = "is required"
        elif name in raw:
            faults[name] = "must be a string, not null"
        return None
    if not isinstance(value, str):
        faults[name] = "must be a string"
    elif not 1 <= len(value) <= limit:
        faults[name] = f"must be 1 to {limit} characters"
    elif _has_control_or_surrogate(value):
        faults[name] = "must not contain control characters"
    else:
        return value
    return None


def _kind(raw: dict[object, object], faults: dict[str, str]) -> EventKind | None:
    value = raw.get("type")
    if value is None:
        faults["type"] = "is required"
        return None
    if isinstance(value, str) and value in EventKind._value2member_map_:
        return EventKind(value)
    faults["type"] = "must be one of " + ", ".join(kind.value for kind in EventKind)
    return None


def _name(raw: dict[object, object], kind: EventKind | None, faults: dict[str, str]) -> str | None:
    """The matched string of a custom event or ka.goal() call: its name."""
    if kind is None:
        return None
    name = _text(raw, "name", faults, limit=MAX_VALUE_LENGTH, required=True)
    if name in RESERVED_LABELS:  # "(other)" is where new names past a day's bound go
        faults["name"] = _RESERVED_NAME
        return None
    return name


def _page(
    raw: dict[object, object], kind: EventKind | None, faults: dict[str, str]
) -> tuple[str | None, str]:
    """The page path (required of pageviews, the page it fired on for others) and URL query."""
    if kind is EventKind.PAGEVIEW and "name" in raw:
        faults["name"] = "only allowed for events and goals"
    if "url" in raw and "path" in raw:
        faults["path"] = "send either url or path, not both"
        return None, ""
    if "url" in raw:
        return _path_of_url(raw["url"], faults)
    if "path" in raw:
        path = _path(raw["path"], faults)
        sent = raw["path"]
        query = sent.split("#", 1)[0].partition("?")[2] if isinstance(sent, str) else ""
        return path, query
    if kind is EventKind.PAGEVIEW:
        faults["url"] = "is required (or path)"
    return None, ""


def _path_of_url(value: object, faults: dict[str, str]) -> tuple[str | None, str]:
    if not isinstance(value, str):
        faults["url"] = "must be a string"
        return None, ""
    if len(value) > MAX_URL_LENGTH:
        faults["url"] = f"must be at most {MAX_URL_LENGTH} characters"
        return None, ""
    if _has_control_or_surrogate(value):
        faults["url"] = "must not contain control characters"
        return None, ""
    try:
        parts = urllib.parse.urlsplit(value)
    except ValueError:
        parts = None
    if parts is None or parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        faults["url"] = "must be an absolute http or https URL"
        return None, ""
    return _bounded_path(normalize_path(parts.path), "url", faults), parts.query


def _path(value: object, faults: dict[str, str]) -> str | None:
    if not isinstance(value, str):
        faults["path"] = "must be a string"
    elif len(value) > MAX_URL_LENGTH:
        faults["path"] = f"must be at most {MAX_URL_LENGTH} characters"
    elif _has_control_or_surrogate(value):
        faults["path"] = "must not contain control characters"
    elif value and not value.startswith(("/", "?", "#")):
        faults["path"] = "must start with /"
    else:
        return _bounded_path(normalize_path(value), "path", faults)
    return None


def _bounded_path(path: str, field: str, faults: dict[str, str]) -> str | None:
    if len(path) > MAX_VALUE_LENGTH:
        faults[field] = f"the path must be at most {MAX_VALUE_LENGTH} characters"
        return None
    return path


def _dimensions(
    raw: dict[object, object], query: str, faults: dict[str, str]
) -> tuple[tuple[Dimension, str], ...]:
    """Explicit dimension fields, over the campaign tags of the page URL's query.

    A faulty explicit field is the sender's mistake and refuses the event; a
    faulty tag in a URL is a visitor's link, and is ignored (the pageview
    still counts).
    """
    found: dict[Dimension, str] = {}
    for name, value in urllib.parse.parse_qsl(query):
        dimension = _UTM_PARAMETERS.get(name.lower())
        if dimension is None or dimension in found or _has_control_or_surrogate(value):
            continue
        with contextlib.suppress(ValueError):
            found[dimension] = _stored_value(dimension, value)
    for dimension in EXPLICIT:
        if dimension.value not in raw:
            continue
        sent = raw[dimension.value]
        if not isinstance(sent, str):
            faults[dimension.value] = "must be a string"
        elif _has_control_or_surrogate(sent):
            faults[dimension.value] = "must not contain control characters"
        else:
            try:
                found[dimension] = _stored_value(dimension, sent)
            except ValueError as exc:
                faults[dimension.value] = str(exc)
    return tuple(sorted(found.items(), key=lambda item: _ORDER[item[0]]))


_RESERVED_NAME = "must not be a reserved label: " + ", ".join(sorted(RESERVED_LABELS))
_RESERVED = _RESERVED_NAME + "; leave the field out for no value"


def _stored_value(dimension: Dimension, raw: str) -> str:
    """The canonical value an event stores; ValueError for a reserved label, in any case."""
    value = canonical(dimension, raw)
    if value.casefold() in RESERVED_LABELS:
        raise ValueError(_RESERVED)
    return value


_ORDER = {dimension: position for position, dimension in enumerate(Dimension)}


def _timestamp(raw: dict[object, object], now: datetime, faults: dict[str, str]) -> int | None:
    if "timestamp" not in raw:
        return None
    value = raw["timestamp"]
    moment: datetime | None = None
    if isinstance(value, str) and len(value) <= 64:
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            moment = None
    if moment is None or moment.tzinfo is None or moment.utcoffset() is None:
        faults["timestamp"] = "must be ISO 8601 with an offset, e.g. 2024-03-30T23:30:00Z"
        return None
    if moment < EPOCH:
        faults["timestamp"] = "must not be before 1970"
        return None
    if moment > now + FUTURE_TOLERANCE:
        minutes = int(FUTURE_TOLERANCE.total_seconds() // 60)
        faults["timestamp"] = f"must not be more than {minutes} minutes in the future"
        return None
    return epoch_ms(moment)


def _revenue(
    raw: dict[object, object], kind: EventKind | None, faults: dict[str, str]
) -> tuple[int | None, str | None]:
    if "revenue" not in raw:
        return None, None
    value = raw["revenue"]
    if kind is EventKind.PAGEVIEW:
        faults["revenue"] = "only allowed for events and goals"
        return None, None
    if not isinstance(value, dict):
        faults["revenue"] = 'must be an object like {"amount": "49.90", "currency": "USD"}'
        return None, None
    found: dict[str, str] = {}
    for name in value:
        if name not in _REVENUE_FIELDS:
            found[f"revenue.{name}"] = "unknown field"
    amount = currency = None
    if "amount" not in value:
        found["revenue.amount"] = "is required"
    else:
        try:
            amount = money.parse_amount(value["amount"])
        except ValidationFailed as exc:
            found["revenue.amount"] = exc.fields.get("amount", exc.message)
    if "currency" not in value:
        found["revenue.currency"] = "is required"
    elif not isinstance(value["currency"], str):
        found["revenue.currency"] = "must be a string"
    else:
        try:
            currency = money.normalize_currency(value["currency"])
        except ValidationFailed as exc:
            found["revenue.currency"] = exc.fields.get("currency", exc.message)
    faults.update(found)
    if amount is None or currency is None:
        return None, None
    return money.to_micros(amount), currency

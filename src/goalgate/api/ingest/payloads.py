"""Read an ingestion request body: content type, JSON, batch shape, each event's rules.

The body is decoded here rather than by Litestar because the browser tracker
may send it as ``text/plain`` (a ``sendBeacon`` that needs no CORS preflight),
and because a batch's faults are reported per event index and field.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import msgspec
from litestar.exceptions import ClientException
from litestar.status_codes import HTTP_415_UNSUPPORTED_MEDIA_TYPE

from goalgate.domain.events import EventDraft, parse_event
from goalgate.errors import BadRequest, ValidationFailed

__all__ = ["ACCEPTED_MEDIA_TYPES", "check_media_type", "decode_json", "parse_batch"]

ACCEPTED_MEDIA_TYPES = frozenset({"application/json", "text/plain"})

# Numbers with a fraction become Decimal with the digits as sent, so that an
# amount like 49.90 never passes through a float.
_DECODER = msgspec.json.Decoder(float_hook=Decimal)


def check_media_type(content_type: str | None) -> None:
    """Accept JSON sent as application/json, text/plain, or with no type at all."""
    if content_type is None:
        return
    media_type = content_type.split(";", 1)[0].strip().lower()
    if media_type and media_type not in ACCEPTED_MEDIA_TYPES:
        raise ClientException(
            status_code=HTTP_415_UNSUPPORTED_MEDIA_TYPE,
            detail="send the events as application/json or text/plain",
        )


def decode_json(body: bytes) -> object:
    """The decoded JSON document; BadRequest if it is not UTF-8 JSON or nests too deeply."""
    try:
        return _DECODER.decode(body)
    except msgspec.DecodeError as exc:
        raise BadRequest(f"the body is not valid JSON: {exc}") from None
    except RecursionError:
        # msgspec decodes recursively: ``[[[[...`` some thousands deep exhausts
        # the stack. Same answer as for every other JSON body (api.requests).
        raise BadRequest("the JSON body is nested too deeply") from None


def parse_batch(document: object, *, max_events: int, now: datetime) -> list[EventDraft]:
    """The events of a body (one event object, or an array of them), all valid or none.

    Faults of a batch are keyed ``"<index>.<field>"``; a single object is
    index 0 too, so a client reads every error the same way. An empty array
    is a 422: a client that sends nothing has a bug worth hearing about.
    """
    if isinstance(document, dict):
        items: list[object] = [document]
    elif isinstance(document, list):
        items = document
    else:
        raise BadRequest("the body must be an event object or an array of events")
    if not 1 <= len(items) <= max_events:
        raise ValidationFailed(
            "the batch is not valid",
            fields={"batch": f"must hold 1 to {max_events} events"},
        )
    drafts: list[EventDraft] = []
    faults: dict[str, str] = {}
    for index, item in enumerate(items):
        try:
            drafts.append(parse_event(item, now=now))
        except ValidationFailed as exc:
            for field, reason in exc.fields.items():
                faults[f"{index}.{field}" if field else str(index)] = reason
    if faults:
        raise ValidationFailed("the events are not valid; none was stored", fields=faults)
    return drafts

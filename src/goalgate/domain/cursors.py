"""Page cursors: opaque positions handed to clients, and read back by fixed shapes.

A cursor comes back from the client, so it is untrusted input that ends up in
SQL parameters. Each kind has exactly one decoder here, which reads only the
shape its encoder writes and checks every part before it is used: the length
first (no unbounded decoding), strict base64url, strict UTF-8, then the shape
by a regular expression (never a general JSON parse, which recurses on nested
arrays), integers within PostgreSQL's ``bigint``, strings without NUL or lone
surrogates (neither can be sent to PostgreSQL as text), instants in UTC.
Anything else is a ``ValidationFailed`` naming the argument (``after``).

- A breakdown cursor is the (conversions, value) of a page's last row, as the
  JSON array ``[conversions, "value"]``.
- A goals cursor is the (created_at, id) of a page's last goal, as
  ``<ISO 8601 instant>|<UUID>``.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import uuid
from datetime import UTC, datetime, timedelta

from goalgate.errors import ValidationFailed

__all__ = [
    "MAX_CURSOR_LENGTH",
    "decode_breakdown",
    "decode_goal",
    "encode_breakdown",
    "encode_goal",
]

# Longer than any cursor this API hands out: a breakdown value is at most
# 1,024 characters, 6 bytes each at worst as JSON (``\u001f``), 4/3 of that
# in base64. The bound keeps a tampered cursor from costing more to read.
MAX_CURSOR_LENGTH = 16_384
_MAX_BIGINT = 2**63 - 1
_BREAKDOWN = re.compile(r'\[(0|[1-9][0-9]{0,18}), ("(?:[^"\\]|\\.)*")\]', re.DOTALL)
_SURROGATE = re.compile("[\ud800-\udfff]")
_NOT_A_CURSOR = "not a cursor given by this API"


def _fault(field: str) -> ValidationFailed:
    return ValidationFailed(f"{field} is not valid", fields={field: _NOT_A_CURSOR})


def _opaque(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _reveal(cursor: str, field: str) -> str:
    """The text inside a cursor: bounded, strict base64url (unpadded), strict UTF-8."""
    if len(cursor) > MAX_CURSOR_LENGTH:
        raise _fault(field)
    try:
        raw = base64.b64decode(cursor + "=" * (-len(cursor) % 4), altchars=b"-_", validate=True)
        return raw.decode()
    except (ValueError, binascii.Error):  # not ASCII, not base64, not UTF-8
        raise _fault(field) from None


def encode_breakdown(conversions: int, value: str) -> str:
    """The cursor of a breakdown row: ``[conversions, "value"]``, as ``json.dumps`` writes it."""
    return _opaque(f"[{conversions}, {json.dumps(value, ensure_ascii=False)}]")


def decode_breakdown(cursor: str, field: str = "after") -> tuple[int, str]:
    """The (conversions, value) of a cursor from ``encode_breakdown``; a fault naming ``field``."""
    match = _BREAKDOWN.fullmatch(_reveal(cursor, field))
    if match is None:
        raise _fault(field)
    conversions = int(match.group(1))
    try:
        # One JSON string literal (the pattern allows nothing else): no nesting.
        value: str = json.loads(match.group(2))
    except ValueError:  # a raw control character, a bad escape
        raise _fault(field) from None
    if conversions > _MAX_BIGINT or "\x00" in value or _SURROGATE.search(value):
        raise _fault(field)
    return conversions, value


def encode_goal(created_at: datetime, goal_id: str) -> str:
    """The cursor of a goal: its (created_at, id), the order goals are listed in."""
    return _opaque(f"{created_at.isoformat()}|{goal_id}")


def decode_goal(cursor: str, field: str = "after") -> tuple[datetime, str]:
    """The (created_at in UTC, canonical id) of a cursor from ``encode_goal``; a fault otherwise."""
    stamp, _, goal_id = _reveal(cursor, field).partition("|")
    try:
        created_at = datetime.fromisoformat(stamp)
        canonical = str(uuid.UUID(goal_id))
    except ValueError:
        raise _fault(field) from None
    # Goals are stamped in UTC: any other offset is tampered, and could move an
    # instant out of the representable range when converted to UTC.
    if created_at.utcoffset() != timedelta(0) or canonical != goal_id:
        raise _fault(field)
    return created_at.astimezone(UTC), canonical

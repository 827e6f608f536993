"""The test client's type and the REST API's shapes, as the tests send and expect them."""

from __future__ import annotations

from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient

Client = AsyncTestClient[Litestar]

EVENTS_URL = "/api/v1/analytics/events"


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def goal_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "Signup",
        "type": "event",
        "match_type": "exact",
        "match_value": "signup",
    }
    body.update(overrides)
    return body


def error(code: str, message: str, fields: dict[str, str] | None = None) -> dict[str, Any]:
    """The documented REST error body."""
    return {"error": {"code": code, "message": message, "fields": fields or {}}}

"""domain.events: what an incoming event must look like, and what is kept of it."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from goalgate.domain.events import EventDraft, normalize_path, parse_event
from goalgate.domain.goals import EventKind
from goalgate.errors import ValidationFailed

NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("raw", "path"),
    [
        ("", "/"),
        ("/", "/"),
        ("?a=1", "/"),
        ("#top", "/"),
        ("/a?b#c", "/a"),
        ("/a#b?c", "/a"),
        ("/trailing/", "/trailing/"),
        ("/caf%C3%A9", "/café"),
        ("/caf%c3%a9", "/café"),
        ("/%2Fencoded", "//encoded"),
        ("/50%25", "/50%"),
        ("/bad%E9", "/bad%E9"),
        ("/ctl%0Aline", "/ctl%0Aline"),
        ("/ok%20space", "/ok space"),
        ("/100%", "/100%"),
    ],
)
def test_normalize_path(raw: str, path: str) -> None:
    assert normalize_path(raw) == path


def test_a_full_goal_event_becomes_an_exact_draft() -> None:
    draft = parse_event(
        {
            "site": "sk_x",
            "type": "goal",
            "name": "purchase",
            "revenue": {"amount": Decimal("49.90"), "currency": "eur"},
            "visitor_id": "u-1",
            "timestamp": "2024-03-31T01:30:00+02:00",
        },
        now=NOW,
    )
    assert draft == EventDraft(
        site_key="sk_x",
        kind=EventKind.GOAL,
        value="purchase",
        visitor_id="u-1",
        timestamp_ms=1711841400000,
        revenue_micros=49_900_000,
        revenue_currency="EUR",
    )


def test_a_pageview_without_extras() -> None:
    draft = parse_event({"site": "sk_x", "type": "pageview", "url": "HTTPS://E.com"}, now=NOW)
    assert draft == EventDraft("sk_x", EventKind.PAGEVIEW, "/", None, None, None, None)


@pytest.mark.parametrize(
    ("raw", "fields"),
    [
        ([], {"": "must be an event object"}),
        (
            {"site": "sk_x", "type": "event", "name": "a\ud800"},
            {"name": "must not contain control characters"},
        ),
        (
            {"site": "sk_x", "type": "event", "name": "a", "timestamp": "2024-06-01T12:05:01Z"},
            {"timestamp": "must not be more than 5 minutes in the future"},
        ),
        (
            {"site": "sk_x", "type": "pageview", "url": "ftp://e.com/a"},
            {"url": "must be an absolute http or https URL"},
        ),
    ],
)
def test_faults_name_their_field(raw: Any, fields: dict[str, str]) -> None:
    with pytest.raises(ValidationFailed) as caught:
        parse_event(raw, now=NOW)
    assert caught.value.fields == fields


def test_exactly_five_minutes_ahead_is_still_accepted() -> None:
    raw = {"site": "sk_x", "type": "event", "name": "a", "timestamp": "2024-06-01T12:05:00Z"}
    assert parse_event(raw, now=NOW).timestamp_ms == 1717243500000

"""domain.events: what an incoming event must look like, and what is kept of it."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from goalgate.domain.dimensions import Dimension
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
    assert draft == EventDraft("sk_x", EventKind.PAGEVIEW, "/", None, None, None, None, page="/")


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


# --- dimensions: campaign tags, referrer, explicit values -------------------


def test_only_the_campaign_tags_of_a_url_are_read() -> None:
    draft = parse_event(
        {
            "site": "sk_x",
            "type": "pageview",
            "url": "https://e.com/pricing?utm_source=NewsLetter&utm_medium=email"
            "&utm_campaign=Spring%20Sale&email=a%40b.c&utm_campaign=second#top",
        },
        now=NOW,
    )
    assert draft.page == "/pricing"
    assert draft.dimensions == (
        (Dimension.UTM_SOURCE, "newsletter"),
        (Dimension.UTM_MEDIUM, "email"),
        (Dimension.UTM_CAMPAIGN, "spring sale"),
    )


def test_a_faulty_tag_in_a_url_is_ignored_not_refused() -> None:
    draft = parse_event(
        {
            "site": "sk_x",
            "type": "pageview",
            "url": "https://e.com/?utm_term=" + "x" * 300 + "&utm_content=%00&utm_medium=cpc",
        },
        now=NOW,
    )
    assert draft.dimensions == ((Dimension.UTM_MEDIUM, "cpc"),)


def test_a_custom_event_carries_the_page_it_fired_on_and_the_referrer() -> None:
    draft = parse_event(
        {
            "site": "sk_x",
            "type": "goal",
            "name": "purchase",
            "url": "https://e.com/checkout?utm_campaign=launch",
            "referrer": "https://www.google.com/",
        },
        now=NOW,
    )
    assert (draft.value, draft.page, draft.referrer) == (
        "purchase",
        "/checkout",
        "https://www.google.com/",
    )
    assert draft.dimensions == ((Dimension.UTM_CAMPAIGN, "launch"),)


def test_explicit_values_win_over_the_url_and_are_canonical() -> None:
    draft = parse_event(
        {
            "site": "sk_x",
            "type": "event",
            "name": "signup",
            "path": "/?utm_source=twitter",
            "utm_source": "Mastodon",
            "source": "newsletter",
            "country": "de",
            "device": "MOBILE",
            "browser": "firefox",
            "os": "linux",
            "utm_term": "shoes",
            "utm_content": "banner",
        },
        now=NOW,
    )
    assert draft.dimensions == (
        (Dimension.SOURCE, "Newsletter"),
        (Dimension.UTM_SOURCE, "mastodon"),
        (Dimension.UTM_CONTENT, "banner"),
        (Dimension.UTM_TERM, "shoes"),
        (Dimension.COUNTRY, "DE"),
        (Dimension.DEVICE, "Mobile"),
        (Dimension.BROWSER, "Firefox"),
        (Dimension.OS, "Linux"),
    )


def test_faulty_explicit_values_are_refused_by_field() -> None:
    with pytest.raises(ValidationFailed) as caught:
        parse_event(
            {
                "site": "sk_x",
                "type": "pageview",
                "path": "/",
                "country": "Germany",
                "device": "phone",
                "source": 3,
                "utm_campaign": "a\x00b",
                "referrer": "",
            },
            now=NOW,
        )
    assert caught.value.fields == {
        "country": "must be an ISO 3166-1 alpha-2 country code, e.g. DE",
        "device": "must be one of desktop, mobile, tablet",
        "source": "must be a string",
        "utm_campaign": "must not contain control characters",
        "referrer": "must be 1 to 8192 characters",
    }

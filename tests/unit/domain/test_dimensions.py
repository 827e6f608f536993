"""Dimension values: one written form each, so that matching is case-insensitive."""

from __future__ import annotations

import pytest

from goalgate.domain import referrers
from goalgate.domain.dimensions import Dimension, canonical


@pytest.mark.parametrize(
    ("dimension", "raw", "expected"),
    [
        (Dimension.DEVICE, "desktop", "Desktop"),
        (Dimension.DEVICE, "MOBILE", "Mobile"),
        (Dimension.DEVICE, " Tablet ", "Tablet"),
        (Dimension.COUNTRY, "de", "DE"),
        (Dimension.COUNTRY, "Jp", "JP"),
        (Dimension.UTM_CAMPAIGN, "Spring Sale", "spring sale"),
        (Dimension.UTM_SOURCE, "NewsLetter", "newsletter"),
        (Dimension.REFERRER_DOMAIN, "News.YCombinator.com", "news.ycombinator.com"),
        # Known names keep their spelling, whatever the case sent...
        (Dimension.SOURCE, "google", "Google"),
        (Dimension.SOURCE, "HACKER NEWS", "Hacker News"),
        (Dimension.BROWSER, "mobile safari", "Mobile Safari"),
        (Dimension.OS, "mac os x", "Mac OS X"),
        # ...others are capitalised word by word, whatever the case sent.
        (Dimension.SOURCE, "newsletter", "Newsletter"),
        (Dimension.SOURCE, "spring mailing", "Spring Mailing"),
        (Dimension.SOURCE, "ProductHunt", "Producthunt"),
        (Dimension.SOURCE, "MyNews", "Mynews"),
        (Dimension.SOURCE, "MYNEWS", "Mynews"),
        (Dimension.BROWSER, "HeadlessChrome", "Headlesschrome"),
        (Dimension.OS, "STRASSE os", "Strasse Os"),
        (Dimension.OS, "straße OS", "Strasse Os"),
        # A domain not on the referrer list stays a domain.
        (Dimension.SOURCE, "Dev.to", "dev.to"),
        (Dimension.SOURCE, "producthunt.com", "producthunt.com"),
        # Runs of white space are one space.
        (Dimension.UTM_TERM, "running   shoes", "running shoes"),
    ],
)
def test_canonical_form(dimension: Dimension, raw: str, expected: str) -> None:
    assert canonical(dimension, raw) == expected


@pytest.mark.parametrize(
    ("dimension", "raw", "reason"),
    [
        (Dimension.COUNTRY, "Germany", "must be an ISO 3166-1 alpha-2 country code, e.g. DE"),
        (Dimension.COUNTRY, "XX", "must be an ISO 3166-1 alpha-2 country code, e.g. DE"),
        (Dimension.DEVICE, "phone", "must be one of desktop, mobile, tablet"),
        (Dimension.SOURCE, "   ", "must not be blank"),
        (Dimension.UTM_CAMPAIGN, "x" * 201, "must be at most 200 characters"),
    ],
)
def test_values_that_cannot_be_stored(dimension: Dimension, raw: str, reason: str) -> None:
    with pytest.raises(ValueError, match="^" + reason.replace(".", r"\.") + "$"):
        canonical(dimension, raw)


def test_every_dimension_has_a_column_kind_and_empty_label() -> None:
    assert [d.value for d in Dimension] == [
        "source",
        "referrer_domain",
        "utm_source",
        "utm_medium",
        "utm_campaign",
        "utm_content",
        "utm_term",
        "page",
        "entry_page",
        "country",
        "device",
        "browser",
        "os",
    ]
    assert Dimension.PAGE.kind == "pageview" == Dimension.ENTRY_PAGE.kind
    assert Dimension.ENTRY_PAGE.column == "page_id"
    assert Dimension.UTM_TERM.column == "utm_term_id"
    assert Dimension.SOURCE.empty_label == "(none)"
    assert Dimension.COUNTRY.empty_label == "(unknown)"


@pytest.mark.parametrize(
    ("referrer", "domain", "source"),
    [
        ("https://www.google.com/search?q=goalgate", "google.com", "Google"),
        ("https://www.google.de/", "google.de", "Google"),
        ("https://t.co/AbC", "t.co", "Twitter"),
        ("https://news.ycombinator.com/item?id=1", "news.ycombinator.com", "Hacker News"),
        ("https://duckduckgo.com/", "duckduckgo.com", "DuckDuckGo"),
        # Not on the list: the domain is its own source.
        ("https://blog.example.org/post", "blog.example.org", "blog.example.org"),
        ("android-app://com.google.android.gm/", "com.google.android.gm", "com.google.android.gm"),
    ],
)
def test_a_referrer_is_a_domain_and_a_source(referrer: str, domain: str, source: str) -> None:
    assert referrers.referral_of(referrer, site_domain="shop.example") == referrers.Referral(
        domain=domain, source=source
    )


@pytest.mark.parametrize(
    "referrer",
    [
        "https://shop.example/pricing",
        "https://www.shop.example/",
        "https://blog.shop.example/post",
        "",
        "not a url",
        "http://[::1",
    ],
)
def test_no_referral_from_the_site_itself_or_from_nothing(referrer: str) -> None:
    assert referrers.referral_of(referrer, site_domain="shop.example") is None


def test_a_utm_source_tag_names_a_source() -> None:
    assert referrers.source_of_tag("google.com") == "Google"
    assert referrers.source_of_tag("www.facebook.com") == "Facebook"
    assert referrers.source_of_tag("newsletter") == "newsletter"

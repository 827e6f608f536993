"""Attribution: device, browser and OS from User-Agent, country from the IP, sources."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from mmdb_writer import MMDBWriter
from netaddr import IPSet

from goalgate.domain.dimensions import Dimension
from goalgate.domain.events import parse_event
from goalgate.services import attribution
from goalgate.services.attribution import Attribution, ClientTraits

NOW = datetime(2024, 4, 1, tzinfo=UTC)
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"
)
IPAD = (
    "Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/16.6 Mobile/15E148 Safari/604.1"
)
WINDOWS_CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"
)
MAC_FIREFOX = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14.1; rv:120.0) Gecko/20100101 Firefox/120.0"
ANDROID_PHONE = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36"
)
ANDROID_TABLET = (
    "Mozilla/5.0 (Linux; Android 13; SM-X700) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"
)
GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"


@pytest.mark.parametrize(
    ("user_agent", "expected"),
    [
        (
            IPHONE,
            {Dimension.DEVICE: "Mobile", Dimension.BROWSER: "Mobile Safari", Dimension.OS: "iOS"},
        ),
        (
            IPAD,
            {Dimension.DEVICE: "Tablet", Dimension.BROWSER: "Mobile Safari", Dimension.OS: "iOS"},
        ),
        (
            WINDOWS_CHROME,
            {Dimension.DEVICE: "Desktop", Dimension.BROWSER: "Chrome", Dimension.OS: "Windows"},
        ),
        (
            MAC_FIREFOX,
            {Dimension.DEVICE: "Desktop", Dimension.BROWSER: "Firefox", Dimension.OS: "Mac OS X"},
        ),
        (
            ANDROID_PHONE,
            {
                Dimension.DEVICE: "Mobile",
                Dimension.BROWSER: "Chrome Mobile",
                Dimension.OS: "Android",
            },
        ),
        (
            ANDROID_TABLET,
            {Dimension.DEVICE: "Tablet", Dimension.BROWSER: "Chrome", Dimension.OS: "Android"},
        ),
        # A crawler is no device; its name is still its "browser".
        (GOOGLEBOT, {Dimension.BROWSER: "Googlebot"}),
        ("", {}),
        ("curl/8.5.0", {Dimension.BROWSER: "Curl"}),
        ("x" * 2000, {}),
    ],
)
def test_user_agent_traits(user_agent: str, expected: dict[Dimension, str]) -> None:
    assert dict(attribution.client_traits_of_user_agent(user_agent)) == expected


def test_parsed_headers_are_cached_by_the_header() -> None:
    attribution.client_traits_of_user_agent(WINDOWS_CHROME)
    before = attribution._parsed.cache_info()
    for _ in range(100):
        attribution.client_traits_of_user_agent(WINDOWS_CHROME)
    after = attribution._parsed.cache_info()
    assert (after.hits - before.hits, after.misses - before.misses) == (100, 0)
    assert after.maxsize == 4096


@pytest.fixture
def geoip(tmp_path: Path) -> Path:
    """A small GeoLite2-Country-shaped database: DE, JP, and a non-country code."""
    writer = MMDBWriter(ip_version=6, ipv4_compatible=True, database_type="GeoLite2-Country")
    writer.insert_network(IPSet(["198.51.100.0/24"]), {"country": {"iso_code": "DE"}})
    writer.insert_network(IPSet(["2001:db8::/32"]), {"country": {"iso_code": "JP"}})
    writer.insert_network(IPSet(["203.0.113.0/24"]), {"country": {"iso_code": "EU"}})
    path = tmp_path / "country.mmdb"
    writer.to_db_file(str(path))
    return path


@pytest.mark.parametrize(
    ("ip", "country"),
    [
        ("198.51.100.7", "DE"),
        ("2001:db8::1", "JP"),
        ("203.0.113.9", None),  # "EU" is no country
        ("192.0.2.1", None),  # not in the database
        ("testclient", None),  # not an IP
        ("", None),
    ],
)
def test_country_from_the_ip(geoip: Path, ip: str, country: str | None) -> None:
    clients = ClientTraits(geoip)
    try:
        assert clients.country_of(ip) == country
    finally:
        clients.close()


def test_no_geoip_database_means_no_country() -> None:
    assert ClientTraits().country_of("198.51.100.7") is None
    assert ClientTraits().of("198.51.100.7", "") == ()


def test_client_traits_combine_user_agent_and_country(geoip: Path) -> None:
    clients = ClientTraits(geoip)
    try:
        assert clients.of("198.51.100.7", IPHONE) == (
            (Dimension.COUNTRY, "DE"),
            (Dimension.DEVICE, "Mobile"),
            (Dimension.BROWSER, "Mobile Safari"),
            (Dimension.OS, "iOS"),
        )
    finally:
        clients.close()


def _dimensions(
    event: dict[str, object], client: tuple[tuple[Dimension, str], ...] = ()
) -> dict[Dimension, str]:
    draft = parse_event({"site": "sk_x", **event}, now=NOW)
    found = Attribution(ClientTraits()).dimensions(draft, site_domain="shop.example", client=client)
    return dict(found)


def test_a_referrer_gives_domain_and_source_and_the_page_is_kept() -> None:
    assert _dimensions(
        {
            "type": "pageview",
            "url": "https://shop.example/pricing?utm_campaign=spring",
            "referrer": "https://www.google.com/search?q=shoes",
        }
    ) == {
        Dimension.PAGE: "/pricing",
        Dimension.REFERRER_DOMAIN: "google.com",
        Dimension.SOURCE: "Google",
        Dimension.UTM_CAMPAIGN: "spring",
    }


def test_internal_navigation_is_no_source() -> None:
    assert _dimensions(
        {"type": "pageview", "path": "/b", "referrer": "https://www.shop.example/a"}
    ) == {Dimension.PAGE: "/b"}


def test_utm_source_names_the_source_when_there_is_no_referrer() -> None:
    assert _dimensions({"type": "pageview", "path": "/?utm_source=google"}) == {
        Dimension.PAGE: "/",
        Dimension.UTM_SOURCE: "google",
        Dimension.SOURCE: "Google",
    }
    # A referrer says more than a tag: it wins.
    assert (
        _dimensions(
            {"type": "pageview", "path": "/?utm_source=google", "referrer": "https://t.co/x"}
        )[Dimension.SOURCE]
        == "Twitter"
    )


def test_explicit_values_win_over_referrer_and_client() -> None:
    found = _dimensions(
        {
            "type": "goal",
            "name": "purchase",
            "referrer": "https://t.co/x",
            "source": "Newsletter",
            "device": "tablet",
        },
        client=((Dimension.DEVICE, "Desktop"), (Dimension.BROWSER, "Chrome")),
    )
    assert found == {
        Dimension.SOURCE: "Newsletter",
        Dimension.REFERRER_DOMAIN: "t.co",
        Dimension.DEVICE: "Tablet",
        Dimension.BROWSER: "Chrome",
    }

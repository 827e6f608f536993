"""Where an event came from and who sent it: the dimension values stored with it.

Per event, from what the request carries and then forgets:

- **page**: the path of the page (a pageview's own path, or the page a custom
  event or ``ka.goal()`` call fired on);
- **referrer domain and source**: from the referrer URL, by Snowplow's list
  (``domain.referrers``); a referral from the site itself is none. An
  explicit ``source`` wins; without referrer or explicit source, the
  ``utm_source`` tag names the source (``utm_source=google`` is Google);
- **campaign tags**: from the page URL's query or sent explicitly (the draft
  has them already);
- **device, browser and OS**: parsed from ``User-Agent`` with ua-parser, the
  raw header never stored. Parsing costs ~50 µs (its Rust matcher) and a
  site's visitors send few distinct headers, so results are kept in an LRU
  cache keyed by the header (bounded: ``_USER_AGENTS`` entries; a header
  always parses alike, so the cache is never stale);
- **country**: from the client IP, in the MaxMind-format database the
  operator names with ``GOALGATE_GEOIP_DATABASE`` (GeoLite2-Country, DB-IP
  Lite...). Without one, country is unknown: never an error. The IP is never
  stored.

Explicit fields of the event win over everything derived.
"""

from __future__ import annotations

import functools
import ipaddress
from pathlib import Path
from typing import Any

import maxminddb
from ua_parser import parse as parse_user_agent

from goalgate.domain import referrers
from goalgate.domain.dimensions import RESERVED_LABELS, Dimension, canonical, known_name
from goalgate.domain.events import EventDraft

__all__ = ["Attribution", "ClientTraits", "client_traits_of_user_agent"]

Values = tuple[tuple[Dimension, str], ...]
_ORDER = {dimension: position for position, dimension in enumerate(Dimension)}
_USER_AGENTS = 4096
_WARM_USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0"
# Headers longer than this are not parsed (nor cached): no browser sends one.
_MAX_USER_AGENT = 1024
_DESKTOP_SYSTEMS = frozenset(
    {"Windows", "Mac OS X", "macOS", "Linux", "Ubuntu", "Chrome OS", "Fedora", "Debian", "FreeBSD"}
)


class ClientTraits:
    """Device, browser, OS and country of a client, from its User-Agent and IP."""

    def __init__(self, geoip_database: Path | None = None) -> None:
        self._geoip: Any = None
        if geoip_database is not None:
            # MODE_AUTO: memory-mapped (the C extension where installed): a
            # lookup is a few microseconds, cheap enough for the event loop.
            self._geoip = maxminddb.open_database(str(geoip_database))

    def of(self, ip: str, user_agent: str) -> Values:
        traits = list(client_traits_of_user_agent(user_agent))
        country = self.country_of(ip)
        if country is not None:
            traits.append((Dimension.COUNTRY, country))
        return tuple(sorted(traits, key=lambda item: _ORDER[item[0]]))

    def country_of(self, ip: str) -> str | None:
        if self._geoip is None or not ip:
            return None
        try:
            record = self._geoip.get(ipaddress.ip_address(ip))
        except ValueError:  # not an IP (a test client), or a corrupt database entry
            return None
        code = _country_code(record)
        if code is None:
            return None
        try:
            return canonical(Dimension.COUNTRY, code)
        except ValueError:  # "EU", "AP" and other non-country codes of old databases
            return None

    def warm(self) -> None:
        """Load the parser's rules and the names it is checked against (the referrer
        list) now, ~0.1 s, not on the first request."""
        client_traits_of_user_agent(_WARM_USER_AGENT)

    def close(self) -> None:
        if self._geoip is not None:
            self._geoip.close()
            self._geoip = None


def _country_code(record: object) -> str | None:
    # GeoLite2/GeoIP2: {"country": {"iso_code": "DE"}}; DB-IP Lite the same.
    if not isinstance(record, dict):
        return None
    country = record.get("country") or record.get("registered_country")
    if isinstance(country, dict) and isinstance(country.get("iso_code"), str):
        return str(country["iso_code"])
    return None


@functools.lru_cache(maxsize=_USER_AGENTS)
def _parsed(user_agent: str) -> Values:
    result = parse_user_agent(user_agent)
    if result is None:
        return ()
    found: list[tuple[Dimension, str]] = []
    device_family = result.device.family if result.device else "Other"
    os_family = result.os.family if result.os else "Other"
    if result.user_agent and result.user_agent.family not in ("Other", ""):
        found.append((Dimension.BROWSER, known_name(result.user_agent.family)))
    if os_family not in ("Other", ""):
        found.append((Dimension.OS, known_name(os_family)))
    device = _device_class(user_agent, device_family, os_family)
    if device is not None:
        found.append((Dimension.DEVICE, device))
    return tuple(sorted(found, key=lambda item: _ORDER[item[0]]))


def _device_class(user_agent: str, device_family: str, os_family: str) -> str | None:
    """Desktop, Mobile or Tablet, as the header tells; None for crawlers and the unknown."""
    if device_family == "Spider":
        return None
    if "iPad" in device_family or "Tablet" in user_agent or "Kindle" in device_family:
        return "Tablet"
    # Android tablets leave "Mobile" out of their header; phones put it in.
    if os_family == "Android":
        return "Mobile" if "Mobile" in user_agent else "Tablet"
    if "Mobi" in user_agent or device_family in ("iPhone", "iPod") or os_family == "iOS":
        return "Mobile"
    if os_family in _DESKTOP_SYSTEMS:
        return "Desktop"
    return None


def client_traits_of_user_agent(user_agent: str) -> Values:
    """(dimension, value) of device, browser and OS the header tells (cached)."""
    if not user_agent or len(user_agent) > _MAX_USER_AGENT:
        return ()
    return _parsed(user_agent)


class Attribution:
    """The dimension values of events: the draft's, the referrer's, and the client's."""

    def __init__(self, clients: ClientTraits) -> None:
        self.clients = clients

    def dimensions(self, draft: EventDraft, *, site_domain: str, client: Values = ()) -> Values:
        """The canonical values an event is stored with (explicit ones first in rank)."""
        found: dict[Dimension, str] = dict(client)
        if draft.page is not None:
            found[Dimension.PAGE] = draft.page
        if draft.referrer:
            referral = referrers.referral_of(draft.referrer, site_domain=site_domain)
            # A URL's host can be any text, "(none)" too: a reserved label is no referral.
            if referral is not None and referral.domain not in RESERVED_LABELS:
                found[Dimension.REFERRER_DOMAIN] = _bounded(
                    Dimension.REFERRER_DOMAIN, referral.domain
                )
                found[Dimension.SOURCE] = _bounded(Dimension.SOURCE, referral.source)
        explicit = dict(draft.dimensions)
        if Dimension.SOURCE not in found and Dimension.UTM_SOURCE in explicit:
            found[Dimension.SOURCE] = _bounded(
                Dimension.SOURCE, referrers.source_of_tag(explicit[Dimension.UTM_SOURCE])
            )
        found.update(explicit)
        return tuple(sorted(found.items(), key=lambda item: _ORDER[item[0]]))


def _bounded(dimension: Dimension, value: str) -> str:
    """A derived value in canonical form (a host name can be longer than a value may)."""
    try:
        return canonical(dimension, value)
    except ValueError:
        return canonical(dimension, value[:200])

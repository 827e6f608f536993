"""The dimensions an event is broken down and filtered by, and how values are written.

A dimension value is low-cardinality text (a source name, a campaign, a
country code). Events store none of it inline: each value lives once per site
in the key dictionary (``event_keys``, the ``kind`` below), beside the paths
and names goals match, and an event row points at it by id. ``PAGE`` reuses
the pageview keys themselves; ``ENTRY_PAGE`` is the page of the first event
of the event's visit (``domain.visits``), and is not sent.
PAGE values are the keys pageviews are stored under (kind ``pageview``), so a
pageview row's ``key_id`` equals its ``page_id``.

Values are matched case-insensitively: every value is brought to one written
form before it is stored or compared (``canonical``), so ``Desktop`` and
``desktop`` are one device, ``GOOGLE`` and ``Google`` one source.
"""

from __future__ import annotations

import enum
import functools

import pycountry

from goalgate.domain import referrers
from goalgate.domain.goals import EventKind

__all__ = [
    "DEVICES",
    "EXPLICIT",
    "MAX_DIMENSION_LENGTH",
    "NONE_LABEL",
    "OTHER_LABEL",
    "RESERVED_LABELS",
    "STORED",
    "UNKNOWN_LABEL",
    "UTM",
    "VISIT_DIMENSIONS",
    "Dimension",
    "canonical",
    "known_name",
]

# Dimension values share event_keys.value (1024) with paths; a campaign or a
# source longer than this is a mistake, not a name.
MAX_DIMENSION_LENGTH = 200
# The bucket of events without a value: traffic with no referrer or tag...
NONE_LABEL = "(none)"
# ...and clients whose country or device could not be told.
UNKNOWN_LABEL = "(unknown)"
# The key of new values past a site's daily allowance (services.group_commit).
OTHER_LABEL = "(other)"
# Labels that mean something to goalgate: no event may send one as a value,
# or two rows would share a label and "(none)" in a filter (no value) would
# miss the events stored under it.
RESERVED_LABELS = frozenset({NONE_LABEL, UNKNOWN_LABEL, OTHER_LABEL})

DEVICES = ("Desktop", "Mobile", "Tablet")
_DEVICE_BY_FOLDED = {device.casefold(): device for device in DEVICES}


class Dimension(enum.Enum):
    """What conversions can be broken down and filtered by (values: the REST spelling)."""

    SOURCE = "source"
    REFERRER_DOMAIN = "referrer_domain"
    UTM_SOURCE = "utm_source"
    UTM_MEDIUM = "utm_medium"
    UTM_CAMPAIGN = "utm_campaign"
    UTM_CONTENT = "utm_content"
    UTM_TERM = "utm_term"
    PAGE = "page"
    ENTRY_PAGE = "entry_page"
    COUNTRY = "country"
    DEVICE = "device"
    BROWSER = "browser"
    OS = "os"

    # Cached: read for every dimension of every event written (ingestion, the
    # demo's year of events); computed each time it was ~7 us an event.
    @functools.cached_property
    def kind(self) -> str:
        """The key dictionary's kind holding this dimension's values."""
        if self in (Dimension.PAGE, Dimension.ENTRY_PAGE):
            # The very keys of pageviews: a pageview row's page_id is then its
            # key_id, which migration 0005 relies on to tell pageviews, and a page is stored once.
            return EventKind.PAGEVIEW.value
        return str(self.value)

    @functools.cached_property
    def column(self) -> str:
        """The events column pointing at the event's own value (ENTRY_PAGE: its own
        page, which becomes the entry page of a visit it starts)."""
        if self is Dimension.ENTRY_PAGE:
            return "page_id"
        return f"{self.value}_id"

    @property
    def per_visit(self) -> bool:
        """Whether an event is credited with its visit's value (its first event's), not its own."""
        return self in VISIT_DIMENSIONS

    @property
    def empty_label(self) -> str:
        """How events without a value are shown: a bucket of their own, never dropped."""
        if self in (Dimension.COUNTRY, Dimension.DEVICE, Dimension.BROWSER, Dimension.OS):
            return UNKNOWN_LABEL
        return NONE_LABEL


# The columns written at ingestion, in a fixed order (ENTRY_PAGE is derived).
STORED = tuple(d for d in Dimension if d is not Dimension.ENTRY_PAGE)
# What an event may set explicitly (a backfill, or a tracker that knows better);
# PAGE comes from ``url``, REFERRER_DOMAIN from ``referrer``.
EXPLICIT = tuple(d for d in STORED if d not in (Dimension.PAGE, Dimension.REFERRER_DOMAIN))
UTM = (
    Dimension.UTM_SOURCE,
    Dimension.UTM_MEDIUM,
    Dimension.UTM_CAMPAIGN,
    Dimension.UTM_CONTENT,
    Dimension.UTM_TERM,
)
# Where the visit came from: a visit takes these from its first event and
# every event of it is credited to them (domain.visits); in this order.
VISIT_DIMENSIONS = (Dimension.SOURCE, Dimension.REFERRER_DOMAIN, *UTM, Dimension.ENTRY_PAGE)


def canonical(dimension: Dimension, raw: str) -> str:
    """The one written form of a value; ValueError (its reason) if it cannot be one.

    - campaign tags and referrer domains: lower case (as most tools store them);
    - country: the ISO 3166-1 alpha-2 code, upper case;
    - device: one of ``DEVICES``;
    - source, browser and OS: known names keep their spelling (``services``
      passes them through ``known``); any other is capitalised word by word.
    """
    value = " ".join(raw.split())
    if not value:
        raise ValueError("must not be blank")
    if len(value) > MAX_DIMENSION_LENGTH:
        raise ValueError(f"must be at most {MAX_DIMENSION_LENGTH} characters")
    if dimension is Dimension.COUNTRY:
        if len(value) != 2 or pycountry.countries.get(alpha_2=value.upper()) is None:
            raise ValueError("must be an ISO 3166-1 alpha-2 country code, e.g. DE")
        return value.upper()
    if dimension is Dimension.DEVICE:
        device = _DEVICE_BY_FOLDED.get(value.casefold())
        if device is None:
            raise ValueError("must be one of " + ", ".join(d.lower() for d in DEVICES))
        return device
    if dimension in UTM or dimension is Dimension.REFERRER_DOMAIN:
        return value.casefold()
    if dimension is Dimension.PAGE or dimension is Dimension.ENTRY_PAGE:
        return value
    return known_name(value)


def known_name(value: str) -> str:
    """A known source, browser or system as it is spelled; another name capitalised.

    Known: the referrer list's source names and the user-agent parser's
    families (``domain.referrers.source_names``, ``_CLIENT_FAMILIES``).
    Any other name is written from its case-folded form alone (``MyNews``,
    ``mynews`` and ``MYNEWS`` are all ``Mynews``), so that values equal but
    for case are one value whichever spelling a worker sees first.
    """
    folded = value.casefold()
    found = _known_names().get(folded)
    if found is not None:
        return found
    if " " not in folded and "." in folded:
        return folded  # a domain (an unlisted referrer) is its own, lower-case name
    return " ".join(word[:1].upper() + word[1:] for word in folded.split(" "))


# The families ua-parser reports most (its rules name hundreds; these are the
# ones people type when they backfill), so that "chrome" or "mac os x" from an
# import is the same value as the parser's "Chrome" and "Mac OS X".
_CLIENT_FAMILIES = (
    "Chrome", "Chrome Mobile", "Chrome Mobile iOS", "Chromium", "Firefox", "Firefox Mobile",
    "Firefox iOS", "Safari", "Mobile Safari", "Mobile Safari UI/WKWebView", "Edge",
    "Edge Mobile", "Opera", "Opera Mobile", "Samsung Internet", "Brave", "Vivaldi",
    "Yandex Browser", "UC Browser", "IE", "Android", "Chrome OS", "iOS", "iPadOS", "Linux",
    "Mac OS X", "macOS", "Ubuntu", "Windows", "Fedora", "Debian", "HarmonyOS", "Other",
)  # fmt: skip


@functools.cache
def _known_names() -> dict[str, str]:
    names = {name.casefold(): name for name in _CLIENT_FAMILIES}
    for name in referrers.source_names():
        names.setdefault(name.casefold(), name)
    return names

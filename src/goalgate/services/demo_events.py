"""A year of made-up but plausible traffic for the demo site, so its goals show numbers.

Sessions follow the site's calendar: more on weekdays than at weekends, more
in the afternoon than at night, and slowly growing over the year. A third of
sessions come from returning (identified) visitors, some of whom come back
often. Each session lands on a page, browses a little, and sometimes signs
up, writes to sales, or buys a plan in USD (some in EUR) and lands on
/thank-you. The generator is seeded, so every run makes the same year for the
same "now".

Every session also has an attribution, the way the tracker and the server
would record it: a source with its referrer domain (the source named from the
domain by the same referrer list the server reads) or none (direct), UTM tags
on tagged visits (newsletter issues, paid search, social posts), and the
visitor's client: a country, a device, and a browser and OS that go with it
(iOS with Mobile Safari, on a phone or a tablet). Returning visitors keep
their client. Every event of a session carries its attribution, and the page
it happened on (a pageview its own path). The attribution has a generator of
its own, so the traffic itself (times, pages, goals) is that of earlier runs.
"""

from __future__ import annotations

import functools
import random
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from itertools import accumulate
from zoneinfo import ZoneInfo

from goalgate.domain import money, referrers, visitors
from goalgate.domain.dimensions import Dimension, canonical
from goalgate.domain.instants import epoch_ms
from goalgate.services.group_commit import NewEvent

__all__ = ["demo_events"]

_SESSIONS_PER_DAY = 62
# Monday first: office traffic on weekdays, quiet weekends.
_WEEKDAY_FACTOR = (1.1, 1.15, 1.1, 1.05, 0.95, 0.6, 0.5)
# Relative traffic of each local hour of the day.
_HOURS = (1, 1, 1, 1, 1, 2, 3, 5, 8, 10, 11, 11, 10, 11, 12, 11, 10, 9, 8, 8, 7, 5, 3, 2)
_RETURNING_VISITORS = 2500
_LANDINGS = ("/", "/pricing", "/features", "/docs/getting-started", "/about", "/blog")
_LANDING_WEIGHTS = (30, 12, 8, 6, 3, 6)
_BROWSE = ("/pricing", "/features", "/docs/api", "/docs/getting-started", "/about", "/careers")
_BLOG_POSTS = 48
_PLANS = (("19.00", 50), ("49.00", 30), ("99.00", 15), ("249.00", 5))
_SEED = 20240331

Dimensions = tuple[tuple[Dimension, str], ...]

# Where sessions come from: (referrer domain or None, share of sessions), then
# the extra share a session landing on a blog post has (people share posts).
# None is direct traffic: typed, bookmarked, or an app that sends no referrer.
_REFERRALS: tuple[tuple[str | None, int, int], ...] = (
    (None, 30, 0),
    ("google.com", 22, 4),
    ("google.de", 5, 1),
    ("google.co.uk", 2, 0),
    ("duckduckgo.com", 4, 1),
    ("bing.com", 3, 0),
    ("ecosia.org", 1, 0),
    ("news.ycombinator.com", 3, 12),
    ("t.co", 3, 5),
    ("reddit.com", 2, 6),
    ("linkedin.com", 2, 1),
    ("github.com", 3, 1),
    ("stackoverflow.com", 1, 1),
    ("lobste.rs", 0, 3),
    ("dev.to", 1, 2),
    ("producthunt.com", 1, 0),
)
# Tagged visits: (utm_source, utm_medium, referrer domain or None, share
# of sessions in per mille). Their campaign depends on the date, below.
_TAGGED: tuple[tuple[str, str, str | None, int], ...] = (
    ("newsletter", "email", None, 45),
    ("google", "cpc", "google.com", 30),
    ("twitter", "social", "t.co", 12),
    ("linkedin", "social", "linkedin.com", 8),
)
_TAGGED_PER_MILLE = sum(share for *_, share in _TAGGED)
_SEARCH_TERMS = (
    "conversion tracking",
    "goal analytics",
    "plausible alternative",
    "graphql analytics",
)
# Share of sessions per country (ISO 3166 alpha-2); None: not told (no GeoIP
# match), as some visitors always are.
_COUNTRIES: tuple[tuple[str | None, int], ...] = (
    ("US", 26), ("DE", 14), ("GB", 8), ("FR", 5), ("IN", 6), ("CA", 4), ("NL", 4), ("BR", 3),
    ("ES", 3), ("IT", 3), ("PL", 2), ("SE", 2), ("AU", 3), ("JP", 2), ("CH", 2), ("AT", 2),
    ("DK", 1), ("FI", 1), ("IE", 1), ("PT", 1), ("CZ", 1), ("UA", 1), ("KR", 1), ("SG", 1),
    (None, 3),
)  # fmt: skip
# device -> (OS, share, ((browser, share), ...)), with the names ua-parser gives.
_CLIENTS: dict[str, tuple[tuple[str, int, tuple[tuple[str, int], ...]], ...]] = {
    "Desktop": (
        ("Windows", 52, (("Chrome", 64), ("Edge", 22), ("Firefox", 14))),
        ("Mac OS X", 33, (("Chrome", 50), ("Safari", 38), ("Firefox", 9), ("Brave", 3))),
        ("Linux", 12, (("Firefox", 52), ("Chrome", 40), ("Chromium", 8))),
        ("Chrome OS", 3, (("Chrome", 1),)),
    ),
    "Mobile": (
        ("iOS", 48, (("Mobile Safari", 84), ("Chrome Mobile iOS", 16))),
        ("Android", 52, (("Chrome Mobile", 78), ("Samsung Internet", 16), ("Firefox Mobile", 6))),
    ),
    "Tablet": (
        ("iOS", 70, (("Mobile Safari", 1),)),
        ("Android", 30, (("Chrome Mobile", 85), ("Samsung Internet", 15))),
    ),
}
# A developer tool's audience: mostly at a desk.
_DEVICES = (("Desktop", 62), ("Mobile", 33), ("Tablet", 5))


def demo_events(
    *, site_id: int, site_key: str, timezone: str, now: datetime, days: int = 365
) -> Iterator[NewEvent]:
    """The demo traffic of the ``days`` local days up to ``now`` (nothing after it)."""
    rng = random.Random(_SEED)
    attribution = _Attribution(random.Random(_SEED + 1))
    zone = ZoneInfo(timezone)
    today = now.astimezone(zone).date()
    now_ms = epoch_ms(now)
    returning = [
        visitors.identified_visitor(site_key=site_key, visitor_id=f"demo-user-{n}")
        for n in range(_RETURNING_VISITORS)
    ]
    # A few loyal visitors come back far more often than the rest. Cumulative
    # weights, computed once: choices() would redo the sum on every call.
    loyalty = list(accumulate(1.0 / (rank + 1) ** 0.7 for rank in range(_RETURNING_VISITORS)))
    hours = list(accumulate(_HOURS))
    for back in range(days - 1, -1, -1):
        day = today - timedelta(days=back)
        growth = 0.75 + 0.5 * (days - back) / days
        expected = _SESSIONS_PER_DAY * _WEEKDAY_FACTOR[day.weekday()] * growth
        for _ in range(max(0, round(rng.gauss(expected, expected * 0.12)))):
            hour = rng.choices(range(24), cum_weights=hours)[0]
            local = datetime.combine(day, time(hour, rng.randrange(60), rng.randrange(60)), zone)
            start_ms = epoch_ms(local)
            if rng.random() < 0.35:
                visitor = rng.choices(returning, cum_weights=loyalty)[0]
            else:
                visitor = rng.getrandbits(62)
            for event in _session(rng, attribution, site_id, visitor, start_ms, day):
                if event.ts <= now_ms:
                    yield event


def _session(
    rng: random.Random,
    attribution: _Attribution,
    site_id: int,
    visitor: int,
    start_ms: int,
    day: date,
) -> list[NewEvent]:
    clock = start_ms
    events: list[NewEvent] = []
    visit: Dimensions = ()
    page = "/"

    def add(kind: str, value: str, revenue: tuple[str, str] | None = None) -> None:
        nonlocal clock, page
        if kind == "pageview":
            page = value
        micros = money.to_micros(money.parse_amount(revenue[0])) if revenue else None
        currency = revenue[1] if revenue else None
        dimensions = (*visit, (Dimension.PAGE, page))
        events.append(NewEvent(site_id, kind, value, clock, visitor, micros, currency, dimensions))
        clock += rng.randrange(5_000, 120_000)

    landing = rng.choices(_LANDINGS, weights=_LANDING_WEIGHTS)[0]
    if landing == "/blog" or rng.random() < 0.25:
        landing = f"/blog/{_blog_post(rng)}"
    visit = attribution.visit(visitor, landing, day)
    add("pageview", landing)
    for _ in range(rng.choices((0, 1, 2, 3), weights=(45, 30, 15, 10))[0]):
        if rng.random() < 0.3:
            add("pageview", f"/blog/{_blog_post(rng)}")
        else:
            add("pageview", rng.choice(_BROWSE))
    roll = rng.random()
    if roll < 0.035:
        add("pageview", "/signup")
        add("event", "signup")
    elif roll < 0.05:
        add("pageview", "/contact")
        add("event", rng.choice(("contact_form", "contact_form", "contact_sales")))
    elif roll < 0.07:
        add("pageview", "/checkout")
        amount = rng.choices([plan for plan, _ in _PLANS], weights=[w for _, w in _PLANS])[0]
        currency = "EUR" if rng.random() < 0.15 else "USD"
        add("goal", "purchase", (amount, currency))
        add("pageview", "/thank-you")
    if rng.random() < 0.04:
        add("event", "newsletter")
    return events


class _Attribution:
    """Where sessions come from and who makes them, from a generator of its own."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._clients: dict[int, Dimensions] = {}
        self._referrals = [domain for domain, _, _ in _REFERRALS]
        self._weights = [share for _, share, _ in _REFERRALS]
        self._blog_weights = [share + blog for _, share, blog in _REFERRALS]
        self._countries = [country for country, _ in _COUNTRIES]
        self._country_weights = [share for _, share in _COUNTRIES]
        self._tagged = [share for *_, share in _TAGGED]

    def visit(self, visitor: int, landing: str, day: date) -> Dimensions:
        """A session's source, referrer domain, UTM tags and client, canonical."""
        rng = self._rng
        tags: list[tuple[Dimension, str]] = []
        referrer_domain: str | None
        source: str | None
        if rng.randrange(1000) < _TAGGED_PER_MILLE:
            utm_source, medium, referrer_domain, _ = rng.choices(_TAGGED, weights=self._tagged)[0]
            tags += [(Dimension.UTM_SOURCE, utm_source), (Dimension.UTM_MEDIUM, medium)]
            tags.append((Dimension.UTM_CAMPAIGN, _campaign(utm_source, day)))
            if medium == "cpc":
                tags.append((Dimension.UTM_TERM, rng.choice(_SEARCH_TERMS)))
            elif medium == "email":
                tags.append((Dimension.UTM_CONTENT, rng.choice(("header", "article", "footer"))))
            # An email app sends no referrer: the tag names the source, as the
            # server reads it (services.attribution).
            source = referrers.source_of_tag(utm_source) if referrer_domain is None else None
        else:
            weights = self._blog_weights if landing.startswith("/blog/") else self._weights
            referrer_domain = rng.choices(self._referrals, weights=weights)[0]
            source = None
        if referrer_domain is not None:
            source = referrers.source_of_domain(referrer_domain)
        if source is not None:
            tags.append((Dimension.SOURCE, source))
        if referrer_domain is not None:
            tags.append((Dimension.REFERRER_DOMAIN, referrer_domain))
        return _canonical((*tags, *self._client(visitor)))

    def _client(self, visitor: int) -> Dimensions:
        """The visitor's country, device, OS and browser; the same each time they come back."""
        known = self._clients.get(visitor)
        if known is not None:
            return known
        rng = self._rng
        country = rng.choices(self._countries, weights=self._country_weights)[0]
        device = rng.choices([d for d, _ in _DEVICES], weights=[w for _, w in _DEVICES])[0]
        systems = _CLIENTS[device]
        os, _, browsers = rng.choices(systems, weights=[w for _, w, _ in systems])[0]
        browser = rng.choices([b for b, _ in browsers], weights=[w for _, w in browsers])[0]
        client: Dimensions = (
            (Dimension.DEVICE, device),
            (Dimension.OS, os),
            (Dimension.BROWSER, browser),
        )
        if country is not None:
            client += ((Dimension.COUNTRY, country),)
        # Remembered for the returning (identified) visitors, whose numbers
        # have bit 62 set; a new visitor's random number never comes back.
        if visitor >> 62:
            self._clients[visitor] = client
        return client


def _campaign(utm_source: str, day: date) -> str:
    """The campaign running on ``day``: a newsletter issue a month, seasonal ads and posts."""
    if utm_source == "newsletter":
        return f"digest-{day:%Y-%m}"
    if utm_source == "google":
        return "spring-sale" if day.month in (3, 4, 5) else "brand"
    return "launch-week" if day.month in (3, 9) else "product-updates"


@functools.cache
def _canonical_value(dimension: Dimension, value: str) -> str:
    return canonical(dimension, value)


def _canonical(dimensions: Dimensions) -> Dimensions:
    return tuple((d, _canonical_value(d, v)) for d, v in dimensions)


def _blog_post(rng: random.Random) -> int:
    # Older posts (small numbers) have had more time to collect readers.
    return min(int(rng.expovariate(1 / 12)) + 1, _BLOG_POSTS)

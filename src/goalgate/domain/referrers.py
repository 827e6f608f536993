"""Where a visit came from: the referring domain, and the source name people know it by.

Source names come from Snowplow's referrer list (``referers.json``, the list
Plausible and many others derive sources from), as shipped in the
``referer-parser`` package: a maintained data file rather than a list written
here. Only its data is used; its parser (which reads whole URLs, search terms
included) is not. Operators can point ``GOALGATE_REFERRER_LIST`` at a newer copy
of the same JSON file.

A referrer whose domain is not on the list is its own source (``news.ycombinator.com``
reads as ``news.ycombinator.com``), as in Plausible. A referral from the site
itself (its domain or a subdomain) is internal navigation, not a source.

A referrer is anyone's text: its host is read only if it could be a DNS name
(at most ``MAX_HOST_LENGTH`` characters and ``MAX_HOST_LABELS`` labels), else
the event simply has no referral (it is still stored). The lookup tries only
as many trailing labels as the longest listed domain has, so its cost is
bounded whatever the host: joining every suffix of a 4,000-label host was
quadratic, ~0.17 s an event, on the event loop.
"""

from __future__ import annotations

import functools
import json
import os
import urllib.parse
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

__all__ = [
    "MAX_HOST_LABELS",
    "MAX_HOST_LENGTH",
    "Referral",
    "referral_of",
    "source_names",
    "source_of_domain",
    "source_of_tag",
]

# The operator's copy of the list, read instead of the packaged one.
_LIST_ENV = "GOALGATE_REFERRER_LIST"
# DNS's own bounds on a name (RFC 1035: 253 characters written out, so at most
# 127 one-letter labels): a longer host names no real referrer.
MAX_HOST_LENGTH = 253
MAX_HOST_LABELS = 127


@dataclass(frozen=True, slots=True)
class Referral:
    """What is kept of a referrer URL: its domain and the source it stands for."""

    domain: str
    source: str


def referral_of(referrer: str, *, site_domain: str) -> Referral | None:
    """The referral of a referrer URL; None if there is none, or it is the site itself."""
    try:
        host = urllib.parse.urlsplit(referrer.strip()).hostname
    except ValueError:
        return None
    if not host:
        return None
    host = host.rstrip(".").lower()
    if len(host) > MAX_HOST_LENGTH or host.count(".") >= MAX_HOST_LABELS:
        return None
    own = site_domain.split(":", 1)[0].lower().removeprefix("www.")
    bare = host.removeprefix("www.")
    if own and (bare == own or bare.endswith("." + own)):
        return None
    return Referral(domain=bare, source=source_of_domain(bare))


def source_of_domain(domain: str) -> str:
    """The source name of a domain on the list (by its longest listed suffix), else the domain.

    Only suffixes as long as a listed domain can be are tried: at most
    ``_listed_labels()`` lookups of bounded keys, whatever the domain's length.
    """
    by_domain = _sources_by_domain()
    most = _listed_labels()
    # The trailing labels only: rsplit stops after ``most`` cuts, and what it
    # leaves in front (the rest of a longer domain) is dropped.
    labels = domain.rsplit(".", most)[-most:]
    for start in range(len(labels) - 1):
        name = by_domain.get(".".join(labels[start:]))
        if name is not None:
            return name
    return domain


def source_of_tag(tag: str) -> str:
    """The source a ``utm_source`` tag names: a listed domain's source, else the tag."""
    if "." in tag:
        return source_of_domain(tag.lower().removeprefix("www."))
    return tag


def source_names() -> frozenset[str]:
    """Every source name on the list (their spelling is how sources are written)."""
    return frozenset(_sources_by_domain().values())


@functools.cache
def _listed_labels() -> int:
    """The most labels a listed domain has: no longer suffix can be on the list."""
    return max((domain.count(".") + 1 for domain in _sources_by_domain()), default=1)


@functools.cache
def _sources_by_domain() -> dict[str, str]:
    """Listed domain (without ``www.``) -> source name, from the referrer list."""
    override = os.environ.get(_LIST_ENV)
    if override:
        document = json.loads(Path(override).read_text(encoding="utf-8"))
    else:
        packaged = resources.files("referer_parser").joinpath("data", "referers.json")
        document = json.loads(packaged.read_text(encoding="utf-8"))
    found: dict[str, str] = {}
    # Media (search, social, email...) -> name -> {"domains": [...], ...}.
    for sources in document.values():
        for name, entry in sources.items():
            for domain in entry.get("domains", []):
                found.setdefault(str(domain).lower().removeprefix("www."), str(name))
    return found

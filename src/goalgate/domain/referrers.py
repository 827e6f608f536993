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
"""

from __future__ import annotations

import functools
import json
import os
import urllib.parse
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

__all__ = ["Referral", "referral_of", "source_names", "source_of_domain", "source_of_tag"]

# The operator's copy of the list, read instead of the packaged one.
_LIST_ENV = "GOALGATE_REFERRER_LIST"


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
    own = site_domain.split(":", 1)[0].lower().removeprefix("www.")
    bare = host.removeprefix("www.")
    if own and (bare == own or bare.endswith("." + own)):
        return None
    return Referral(domain=bare, source=source_of_domain(bare))


def source_of_domain(domain: str) -> str:
    """The source name of a domain on the list (by its longest listed suffix), else the domain."""
    by_domain = _sources_by_domain()
    labels = domain.split(".")
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

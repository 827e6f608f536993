"""Referrer hosts: sources by the longest listed suffix, at a bounded cost whatever the host."""

from __future__ import annotations

import time

import pytest

from goalgate.domain import referrers

# 4,000 one-letter labels: an 8 KB host, within the URL limit of an event.
HOSTILE = ".".join(["a"] * 4000) + ".com"


@pytest.mark.parametrize(
    ("domain", "source"),
    [
        ("google.com", "Google"),
        ("mail.google.com", "Gmail"),
        # Any depth of subdomains above a listed domain still finds it.
        ("a.b.c.d.e.f.g.mail.google.com", "Gmail"),
        ("news.ycombinator.com", "Hacker News"),
        ("unlisted.example", "unlisted.example"),
    ],
)
def test_source_of_domain_is_the_longest_listed_suffix(domain: str, source: str) -> None:
    assert referrers.source_of_domain(domain) == source


def test_source_of_a_4000_label_host_tries_only_listable_suffixes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    listed = referrers._sources_by_domain()
    tried: list[str] = []

    class Counting(dict[str, str]):
        def get(self, key: str, default: str | None = None) -> str | None:  # type: ignore[override]
            tried.append(key)
            return super().get(key, default)

    monkeypatch.setattr(referrers, "_sources_by_domain", lambda: Counting(listed))
    started = time.perf_counter()
    assert referrers.source_of_domain(HOSTILE) == HOSTILE
    elapsed = time.perf_counter() - started
    # No listed domain has more labels than this: nothing longer is looked up.
    most = max(domain.count(".") + 1 for domain in listed)
    assert tried == [".".join(["a"] * (labels - 1) + ["com"]) for labels in range(most, 1, -1)]
    # Was ~0.17 s (every suffix joined: quadratic); now a few microseconds.
    assert elapsed < 0.005


@pytest.mark.parametrize(
    "host",
    [
        "a" * 250 + ".com",  # 254 characters: longer than DNS allows
        "." * 130 + "com",  # empty labels: too many of them
    ],
)
def test_a_host_dns_could_not_hold_is_no_referral(host: str) -> None:
    assert referrers.referral_of(f"https://{host}/page", site_domain="example.com") is None


def test_the_longest_host_dns_allows_is_a_referral() -> None:
    host = ".".join(["a"] * 125) + ".com"  # 253 characters, 126 labels
    assert len(host) == 253
    assert referrers.referral_of(f"https://{host}/", site_domain="example.com") == (
        referrers.Referral(domain=host, source=host)
    )

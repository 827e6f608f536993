"""Unit tests for goalgate.domain.visitors: visitor hashes."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from goalgate.domain.visitors import anonymous_visitor, identified_visitor, new_salt

SALT = bytes(range(32))
BIGINT_MAX = 2**63 - 1
ANON_PINNED = 4313416090553401240
ID_PINNED = 7096148447907835201


def anon(
    salt: bytes = SALT,
    site_key: str = "sk_abc123def456",
    ip: str = "203.0.113.7",
    user_agent: str = "Mozilla/5.0",
) -> int:
    return anonymous_visitor(salt=salt, site_key=site_key, ip=ip, user_agent=user_agent)


def test_anonymous_visitor_known_value() -> None:
    # Pinned so that a change of encoding or hash, which would split every
    # current visitor in two, cannot pass unnoticed.
    assert anon() == ANON_PINNED


def test_identified_visitor_known_value() -> None:
    assert identified_visitor(site_key="sk_abc123def456", visitor_id="user-42") == ID_PINNED


def test_anonymous_visitor_format() -> None:
    # The documented construction: length-prefixed UTF-8 fields, keyed BLAKE2b-64,
    # low 62 bits. Anyone re-implementing it (a migration, a SQL job) gets this.
    message = b"".join(
        len(raw).to_bytes(8, "big") + raw
        for raw in (b"sk_abc123def456", b"203.0.113.7", b"Mozilla/5.0")
    )
    digest = hashlib.blake2b(message, digest_size=8, key=SALT, person=b"goalgate.anon.1")
    assert int.from_bytes(digest.digest(), "big") % 2**62 == ANON_PINNED


def test_anonymous_visitor_is_deterministic() -> None:
    assert anon() == anon()


def test_anonymous_visitor_depends_on_every_input() -> None:
    base = anon()
    assert anon(salt=bytes(32)) != base
    assert anon(site_key="sk_other") != base
    assert anon(ip="203.0.113.8") != base
    assert anon(user_agent="curl/8.0") != base


def test_fields_are_separated_unambiguously() -> None:
    assert anon(site_key="a", ip="bc", user_agent="") != anon(site_key="ab", ip="c", user_agent="")
    assert anon(site_key="", ip="ab", user_agent="c") != anon(site_key="", ip="a", user_agent="bc")
    assert anon(ip="1.2.3.4\x00", user_agent="x") != anon(ip="1.2.3.4", user_agent="\x00x")
    assert identified_visitor(site_key="a", visitor_id="bc") != identified_visitor(
        site_key="ab", visitor_id="c"
    )


def test_identified_visitor_is_per_site() -> None:
    assert identified_visitor(site_key="sk_a", visitor_id="u") != identified_visitor(
        site_key="sk_b", visitor_id="u"
    )


def test_lone_surrogates_hash_without_error() -> None:
    assert 0 <= anon(user_agent="\ud800") < 2**62
    assert anon(user_agent="\ud800") != anon(user_agent="\udc00")


@pytest.mark.parametrize("salt", [b"", bytes(65)])
def test_salt_must_be_a_usable_key(salt: bytes) -> None:
    with pytest.raises(ValueError, match=r"salt must be 1\.\.64 bytes"):
        anon(salt=salt)


def test_new_salt_is_32_random_bytes() -> None:
    first, second = new_salt(), new_salt()
    assert isinstance(first, bytes)
    assert len(first) == 32
    assert first != second


@given(
    salt=st.binary(min_size=1, max_size=64),
    site_key=st.text(),
    ip=st.text(),
    user_agent=st.text(),
)
def test_anonymous_visitor_fits_the_lower_half_of_bigint(
    salt: bytes, site_key: str, ip: str, user_agent: str
) -> None:
    value = anonymous_visitor(salt=salt, site_key=site_key, ip=ip, user_agent=user_agent)
    assert 0 <= value < 2**62
    assert value == anonymous_visitor(salt=salt, site_key=site_key, ip=ip, user_agent=user_agent)


@given(site_key=st.text(), visitor_id=st.text())
def test_identified_visitor_fits_the_upper_half_of_bigint(site_key: str, visitor_id: str) -> None:
    value = identified_visitor(site_key=site_key, visitor_id=visitor_id)
    assert 2**62 <= value <= BIGINT_MAX


@given(site_key=st.text(), ip=st.text(), user_agent=st.text(), visitor_id=st.text())
def test_explicit_ids_never_equal_anonymous_hashes(
    site_key: str, ip: str, user_agent: str, visitor_id: str
) -> None:
    assert anonymous_visitor(
        salt=SALT, site_key=site_key, ip=ip, user_agent=user_agent
    ) != identified_visitor(site_key=site_key, visitor_id=visitor_id)


def test_distinct_inputs_give_distinct_visitors() -> None:
    values = {anon(ip=f"10.0.{i // 256}.{i % 256}") for i in range(10_000)}
    assert len(values) == 10_000

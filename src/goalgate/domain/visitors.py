"""Derive stable, non-reversible visitor numbers from request traits or ids.

An anonymous visitor is a keyed BLAKE2b hash of site, IP and user agent under a
salt the caller rotates (daily), so no raw IP is ever stored. An identified
visitor hashes the site's explicit ``visitor_id``. The two kinds live in
disjoint halves of the non-negative BIGINT range, so they can never collide.
"""

from __future__ import annotations

import hashlib
import secrets
import struct

__all__ = ["SALT_BYTES", "anonymous_visitor", "identified_visitor", "new_salt"]

SALT_BYTES = 32

# Top bit of the 63 usable bits: 0 for anonymous visitors, 1 for identified ones.
_IDENTIFIED_BIT = 1 << 62
_LOW_62_BITS = _IDENTIFIED_BIT - 1
# BLAKE2b personalisation strings (at most 16 bytes) keep the hash domains apart.
_ANONYMOUS = b"goalgate.anon.1"
_IDENTIFIED = b"goalgate.id.1"


def anonymous_visitor(*, salt: bytes, site_key: str, ip: str, user_agent: str) -> int:
    """Return the visitor number in ``[0, 2**62)`` for these traits under ``salt``."""
    if not 1 <= len(salt) <= hashlib.blake2b.MAX_KEY_SIZE:
        raise ValueError(f"salt must be 1..{hashlib.blake2b.MAX_KEY_SIZE} bytes")
    digest = hashlib.blake2b(
        _encode(site_key, ip, user_agent), digest_size=8, key=salt, person=_ANONYMOUS
    ).digest()
    return int.from_bytes(digest, "big") & _LOW_62_BITS


def identified_visitor(*, site_key: str, visitor_id: str) -> int:
    """Return the visitor number in ``[2**62, 2**63)`` for an explicit ``visitor_id``."""
    digest = hashlib.blake2b(
        _encode(site_key, visitor_id), digest_size=8, person=_IDENTIFIED
    ).digest()
    return (int.from_bytes(digest, "big") & _LOW_62_BITS) | _IDENTIFIED_BIT


def new_salt() -> bytes:
    """Return a fresh random salt for anonymous visitor hashes."""
    return secrets.token_bytes(SALT_BYTES)


def _encode(*fields: str) -> bytes:
    # Length-prefixed so ("a", "bc") and ("ab", "c") differ; surrogatepass so
    # any str a JSON body can carry (lone surrogates included) encodes injectively.
    parts: list[bytes] = []
    for field in fields:
        raw = field.encode("utf-8", "surrogatepass")
        parts.append(struct.pack(">Q", len(raw)))
        parts.append(raw)
    return b"".join(parts)

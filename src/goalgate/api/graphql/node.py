"""Object identification (GraphQL's Global Object Identification spec): ``Node`` and its ids.

Every ``Node`` has an ``id`` unique across the whole schema, stable, and
opaque to clients, so that Relay can refetch any object by it
(``Query.node``) and Apollo Client can normalise its cache on it:

- a ``Goal``'s id is the UUID REST uses (``8-4-4-4-12`` lowercase hex):
  already globally unique, so no client that stored one breaks;
- a ``Site``'s id is ``base64("Site:" + key)`` (standard alphabet, padded, as
  graphql-relay's ``toGlobalId`` writes), e.g. ``U2l0ZTpza19hYmM=`` for
  ``sk_abc``. The key is the site's public name and never changes (no route
  or command renames a site), so the id is stable; the database's integer
  id would differ between installations and count the sites. It can never
  be taken for a goal's id: base64 of ``"Site:"`` starts ``U2l0ZT``, which
  holds letters that are not lowercase hex, and a goal id must be exactly
  the canonical UUID.

An id that is neither (malformed, another type's prefix, not canonical
base64) names nothing: ``node`` answers null for it, as for an unknown one.
"""

from __future__ import annotations

import base64
import binascii

import strawberry

__all__ = ["MAX_NODE_IDS", "Node", "site_id", "site_key_of"]

# Query.nodes(ids:) takes at most this many ids, as a page of goals holds at most 100.
MAX_NODE_IDS = 100

_SITE_PREFIX = "Site:"


@strawberry.interface(
    description="An object with an id unique across the schema, which Query.node finds again."
)
class Node:
    id: strawberry.ID = strawberry.field(
        description="Globally unique, stable and opaque: a goal's is its UUID, a site's "
        "an opaque string; pass it to Query.node to fetch the object again."
    )


def site_id(key: str) -> strawberry.ID:
    """The global id of the site of ``key``."""
    return strawberry.ID(base64.b64encode(f"{_SITE_PREFIX}{key}".encode()).decode("ascii"))


def site_key_of(node_id: str) -> str | None:
    """The site key a global id names, or None when it is not a site's id."""
    try:
        raw = base64.b64decode(node_id.encode("ascii"), validate=True)
        text = raw.decode("utf-8")
    except (UnicodeError, binascii.Error, ValueError):
        return None
    if not text.startswith(_SITE_PREFIX):
        return None
    key = text.removeprefix(_SITE_PREFIX)
    # Only the canonical spelling of an id names the site (no second id for one object).
    return key if site_id(key) == node_id else None

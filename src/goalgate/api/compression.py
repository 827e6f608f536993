"""Compressed static files: Brotli or gzip, chosen from Accept-Encoding, cached once made.

The dashboard's and GraphiQL's scripts and stylesheets are served from memory
(``api/dashboard/routes.py``, ``api/graphql/graphiql.py``). Each text file is
compressed the first time a client asks for an encoding, then kept for the
life of the process: Brotli at quality 9 (GraphiQL's 978 KB script: ~0.1 s
once, 284 KB; quality 11 would cost 1.5 s for 9 % less) and gzip at level 9.
A variant that would not be smaller is never used. Every response of such a
file says ``Vary: Accept-Encoding``, so that a cache keeps the variants apart,
and a compressed variant has an ETag of its own.
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass, field

import brotli

__all__ = ["Compressible", "Variant", "negotiate"]

# Below this, the headers cost more than compression saves.
MIN_SIZE = 1024
BROTLI_QUALITY = 9
# Preferred first when a client accepts both with the same weight.
_CODINGS = ("br", "gzip")
_TEXT_TYPES = ("text/", "application/javascript", "application/json", "image/svg+xml")


def negotiate(accept_encoding: str) -> str | None:
    """The coding to answer with: ``br`` or ``gzip`` as the header allows (RFC 9110
    12.5.3, q-values and ``*``), the heavier weight first; None: identity."""
    weights: dict[str, float] = {}
    for item in accept_encoding.split(","):
        name, _, params = item.strip().partition(";")
        weight = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key.lower() == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        if name:
            weights[name.strip().lower()] = weight
    best: tuple[float, str] | None = None
    for coding in _CODINGS:
        weight = weights.get(coding, weights.get("*", 0.0))
        if weight > 0 and (best is None or weight > best[0]):
            best = (weight, coding)
    return best[1] if best else None


@dataclass(frozen=True, slots=True)
class Variant:
    """What to send: the body, its Content-Encoding (None: identity) and its ETag."""

    body: bytes
    coding: str | None
    etag: str | None


@dataclass(slots=True)
class Compressible:
    """One static file and its compressed variants, made on first use."""

    body: bytes
    media_type: str
    # The identity body's ETag ("..." with quotes), if the file has one.
    etag: str | None = None
    _variants: dict[str, bytes | None] = field(default_factory=dict)

    @property
    def compresses(self) -> bool:
        return len(self.body) >= MIN_SIZE and self.media_type.startswith(_TEXT_TYPES)

    def variant(self, accept_encoding: str) -> Variant:
        """The smallest body the client accepts (identity when compression does not pay)."""
        coding = negotiate(accept_encoding) if self.compresses else None
        if coding is not None:
            if coding not in self._variants:
                self._variants[coding] = self._compress(coding)
            body = self._variants[coding]
            if body is not None:
                etag = f'{self.etag[:-1]}-{coding}"' if self.etag else None
                return Variant(body, coding, etag)
        return Variant(self.body, None, self.etag)

    def _compress(self, coding: str) -> bytes | None:
        if coding == "br":
            made: bytes = brotli.compress(self.body, quality=BROTLI_QUALITY)
        else:
            made = gzip.compress(self.body, compresslevel=9, mtime=0)
        return made if len(made) < len(self.body) else None

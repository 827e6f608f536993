"""Which characters stored text may hold: the character rules shared by goals and events.

Three Unicode categories are refused, each for its own reason:

- ``Cc``, C0 and C1 controls (NUL, newline, ESC...): never part of a path, a
  name or a label, and a way to forge lines in logs and terminals.
- ``Cs``, lone surrogates: a Python ``str`` can hold one (JSON's ``"\\ud800"``
  escape decodes to it) but it is not Unicode text; UTF-8 cannot encode it, so
  no database text column takes it.
- ``Cf``, format characters (zero-width space and joiners, bidi overrides and
  isolates, soft hyphen, byte order mark...): invisible, so a name holding one
  looks exactly like another name. Refused in names, which people tell apart by
  eye; allowed in matched strings (paths, event names, match values), which
  must be able to match whatever the events carry.
"""

from __future__ import annotations

import unicodedata

__all__ = [
    "CONTROL",
    "FORMAT",
    "SURROGATE",
    "forbidden_category",
    "normalize_name",
]

CONTROL = "Cc"
SURROGATE = "Cs"
FORMAT = "Cf"


def forbidden_category(value: str, categories: frozenset[str]) -> str | None:
    """The first of ``categories`` that a character of ``value`` belongs to, or None."""
    for character in value:
        category = unicodedata.category(character)
        if category in categories:
            return category
    return None


def normalize_name(value: str) -> str:
    """A name in NFKC form, without surrounding white space.

    NFKC folds compatibility look-alikes into one spelling (full-width
    letters, the U+FB01 "fi" ligature, a no-break space), so that two names
    a person reads as the same are the same string, and the unique-name rule
    sees them as one.
    """
    return unicodedata.normalize("NFKC", value).strip()

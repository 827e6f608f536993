"""Validate currencies and revenue amounts, exactly, as Decimal end to end.

Amounts are stored as integer micros (millionths of a currency unit) and are
rounded to the currency's minor unit only when shown. No float ever holds
money: a float given by a client is read through its shortest repr.

Bounds, chosen so that no stored value and no sum can overflow:

- One amount has at most 12 digits before the point (``MAX_INTEGER_DIGITS``):
  below 10^12 units, i.e. 10^18 micros, which fits the signed 64-bit column
  (2^63 - 1, about 9.22e18) on every backend. 10^12 is the largest power of
  ten that does; it leaves room for a car sold in dong or rupiah, which a
  bound of 10^9 units (about 40,000 USD in VND) would refuse.
- A sum of amounts is not bounded by any per-event limit (ten events of
  10^12 - 1 units already pass 2^63 micros), so the sums are made exact
  instead (``storage.stats``, ``Dialect.exact_sum``): PostgreSQL's
  ``sum(bigint)`` is ``numeric`` (arbitrary precision); SQLite, whose
  ``sum()`` of integers fails on overflow, sums each amount's four base-10^5
  digits separately and Python recombines them. Every part is below
  10^5 < 2^17, and an SQLite database (at most 2^32 pages of 64 KiB = 2^48
  bytes) cannot hold 2^46 events of several dozen bytes each, so no part's
  sum reaches 2^63.
"""

from __future__ import annotations

import decimal
import functools
import math
import re
from decimal import Decimal
from typing import NoReturn

import babel.numbers
import pycountry

from goalgate.errors import ValidationFailed

__all__ = [
    "MAX_DECIMAL_PLACES",
    "MAX_INTEGER_DIGITS",
    "display_amount",
    "from_micros",
    "minor_units",
    "normalize_currency",
    "parse_amount",
    "to_micros",
]

MAX_DECIMAL_PLACES = 6
# 10^12 units = 10^18 micros < 2^63: any valid amount fits a BIGINT (see above).
MAX_INTEGER_DIGITS = 12

# ISO 4217 codes that are not money a site can earn: precious metals, bond
# market units, IMF and regional units of account, the test and no-currency codes.
_NOT_MONEY = frozenset(
    {"XAU", "XAG", "XPD", "XPT", "XBA", "XBB", "XBC", "XBD", "XDR", "XSU", "XUA", "XTS", "XXX"}
)
_CODE = re.compile(r"[A-Za-z]{3}")
_PLAIN_DECIMAL = re.compile(r"(-?)([0-9]+)(?:\.([0-9]+))?")
_UPPER_BOUND = Decimal(10) ** MAX_INTEGER_DIGITS
# Wide enough that quantizing any sum of valid amounts never loses integer digits.
_DISPLAY = decimal.Context(
    prec=100, rounding=decimal.ROUND_HALF_EVEN, traps=[decimal.InvalidOperation]
)


def normalize_currency(code: str) -> str:
    """Return the upper-case ISO 4217 code for ``code``, or raise ValidationFailed."""
    if isinstance(code, str) and _CODE.fullmatch(code):
        upper = code.upper()
        if upper in _money_codes():
            return upper
    raise ValidationFailed(
        "Unknown currency.", fields={"currency": "must be an active ISO 4217 code"}
    )


def minor_units(code: str) -> int:
    """Return the number of decimal places of the currency (CLDR data, via Babel)."""
    return int(babel.numbers.get_currency_precision(normalize_currency(code)))


def parse_amount(value: object, *, field: str = "amount") -> Decimal:
    """Read a client-given revenue amount as an exact, non-negative Decimal.

    Accepts a plain decimal string (``"49.90"``), an int, or a float (read via
    ``str`` so ``19.99`` gives ``Decimal("19.99")``). At most 12 integer digits
    and 6 decimal places, so that its micros fit a signed 64-bit integer;
    anything else raises ValidationFailed on ``field``.
    """
    if isinstance(value, bool):
        _reject(field, "must be a number, not a boolean")
    if isinstance(value, str):
        match = _PLAIN_DECIMAL.fullmatch(value)
        if match is None:
            _reject(field, "must be a decimal number like 49.90")
        if match.group(1):
            _reject(field, "must not be negative")
        amount = Decimal(value)
    elif isinstance(value, int):
        amount = Decimal(value)
    elif isinstance(value, float):
        if not math.isfinite(value):
            _reject(field, "must be a finite number")
        # abs() turns -0.0, a float artefact, into 0.0; true negatives fail below.
        amount = Decimal(str(value)) if value < 0 else Decimal(str(abs(value)))
    elif isinstance(value, Decimal):
        if not value.is_finite():
            _reject(field, "must be a finite number")
        # copy_abs, not abs(): abs() rounds to the context and raises
        # decimal.Overflow on an exponent past it (a JSON 1e999999999).
        amount = value if value < 0 else value.copy_abs()
    else:
        _reject(field, "must be a number or a decimal string")

    if amount < 0:
        _reject(field, "must not be negative")
    if amount >= _UPPER_BOUND:
        _reject(field, f"must have at most {MAX_INTEGER_DIGITS} digits before the point")
    exponent = amount.as_tuple().exponent
    assert isinstance(exponent, int)  # finite by now
    if -exponent > MAX_DECIMAL_PLACES:
        _reject(field, f"must have at most {MAX_DECIMAL_PLACES} decimal places")
    return amount


def to_micros(amount: Decimal) -> int:
    """Return ``amount`` in millionths, exactly; ValueError if that is not whole."""
    if not amount.is_finite():
        raise ValueError(f"not a finite amount: {amount}")
    sign, digits, exponent = amount.as_tuple()
    assert isinstance(exponent, int)
    coefficient = int("".join(map(str, digits)) or "0")
    shift = exponent + 6
    micros: int
    if shift >= 0:
        micros = coefficient * 10**shift
    else:
        micros, remainder = divmod(coefficient, 10**-shift)
        if remainder:
            raise ValueError(f"{amount} has more than 6 decimal places")
    return -micros if sign else micros


def from_micros(micros: int) -> Decimal:
    """Return the exact Decimal for an amount in millionths (six decimal places)."""
    digits = tuple(int(d) for d in str(abs(micros)))
    return Decimal((1 if micros < 0 else 0, digits, -6))


def display_amount(amount: Decimal, currency: str) -> Decimal:
    """Round ``amount`` to the currency's minor unit, half to even, for showing."""
    if not amount.is_finite():
        raise ValueError(f"not a finite amount: {amount}")
    quantum = Decimal(1).scaleb(-minor_units(currency))
    return amount.quantize(quantum, context=_DISPLAY)


def _reject(field: str, reason: str) -> NoReturn:
    raise ValidationFailed(f"Invalid {field}.", fields={field: reason})


@functools.lru_cache(maxsize=1)
def _money_codes() -> frozenset[str]:
    return frozenset(currency.alpha_3 for currency in pycountry.currencies) - _NOT_MONEY

"""Revenue sent in other currencies: converted at the rate of the event's day.

Rates are daily and quoted against one base currency (``goalgate rates
import``). An amount in X becomes goal currency Y as ``amount / rate(X) *
rate(Y)``, each rate being the one of the event's UTC day or, when that day
has none, of the nearest earlier day; the base itself has rate 1. An event
whose amount cannot be converted (no rate on or before its day) is counted as
unconverted, never dropped in silence.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from goalgate.domain import money
from goalgate.storage import rates as rate_store
from goalgate.storage.db import Database
from goalgate.storage.stats import ForeignRevenue

__all__ = ["Converted", "convert_foreign", "goal_revenue"]

_EPOCH = date(1970, 1, 1)


@dataclass(slots=True)
class Converted:
    """What other currencies add to one goal (or one bucket of it)."""

    amount: Decimal = Decimal(0)  # in the goal's currency
    unconverted: int = 0  # events whose revenue had no usable rate
    by_currency: dict[str, Decimal] = field(default_factory=dict)  # original amounts


def goal_revenue(own_micros: int | None, other: Converted, currency: str | None) -> Decimal | None:
    """A goal's revenue (or a bucket's, or a value's): what was sent in its currency
    plus what the other currencies converted to; 0 when nothing was, None when the
    goal tracks no revenue."""
    if currency is None:
        return None
    return money.from_micros(own_micros or 0) + other.amount


def _iso(day: int) -> str:
    return (_EPOCH + timedelta(days=day)).isoformat()


async def convert_foreign(
    db: Database, rows: Sequence[ForeignRevenue], goal_currency: dict[int, str | None]
) -> dict[tuple[int, int | None], Converted]:
    """Convert each (tag, bucket)'s foreign revenue into its goal's currency.

    Reads the rates in a session of its own, only when there is something to convert.
    """
    out: dict[tuple[int, int | None], Converted] = defaultdict(Converted)
    if not rows:
        return out
    wanted = set()
    for row in rows:
        target = goal_currency[row.tag]
        if target is not None:
            wanted.update({(row.currency, _iso(row.day)), (target, _iso(row.day))})
    async with db.session() as session:
        base = await rate_store.base_currency(session)
        rates = await rate_store.rates_in_force(session, sorted(wanted)) if base else {}

    def rate(currency: str, day: str) -> Decimal | None:
        return Decimal(1) if currency == base else rates.get((currency, day))

    for row in rows:
        converted = out[(row.tag, row.bucket)]
        amount = money.from_micros(row.micros)
        converted.by_currency[row.currency] = (
            converted.by_currency.get(row.currency, Decimal(0)) + amount
        )
        target = goal_currency[row.tag]
        if target is None:
            continue
        source_rate, target_rate = rate(row.currency, _iso(row.day)), rate(target, _iso(row.day))
        if source_rate is None or target_rate is None:
            converted.unconverted += row.events
        else:
            converted.amount += amount / source_rate * target_rate
    return out

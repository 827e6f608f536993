"""Import daily exchange rates from a CSV file (``goalgate rates import``).

Layout, one rate a line, with a header::

    date,currency,rate
    2024-03-01,USD,1.0833
    2024-03-01,JPY,162.51

``rate`` is how many units of ``currency`` one unit of the base currency
bought that day (the convention of the ECB's reference rates, whose base is
EUR). Every rate in the database shares one base, chosen by the first import.
Good lines are stored (a day imported again replaces its rate); each bad line
is reported with its number and reason, never dropped in silence.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from goalgate.domain import money
from goalgate.errors import Conflict, ValidationFailed
from goalgate.storage import rates as rate_store
from goalgate.storage.db import Database

__all__ = ["RateImport", "import_rates", "parse_rate_line"]

_HEADER = ["date", "currency", "rate"]
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_BATCH = 2000


@dataclass
class RateImport:
    accepted: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)  # (line number, reason)


def parse_rate_line(cells: list[str], base: str) -> tuple[str, str, str]:
    """(currency, day, rate) of one CSV row, or ValueError saying what is wrong."""
    if len(cells) != 3:
        raise ValueError(f"expected 3 columns (date,currency,rate), got {len(cells)}")
    day, currency, rate = (cell.strip() for cell in cells)
    if not _DATE.fullmatch(day):
        raise ValueError(f"date {day!r} is not YYYY-MM-DD")
    try:
        date.fromisoformat(day)
    except ValueError:
        raise ValueError(f"date {day!r} does not exist") from None
    try:
        code = money.normalize_currency(currency)
    except ValidationFailed:
        raise ValueError(f"currency {currency!r} is not an active ISO 4217 code") from None
    if code == base:
        raise ValueError(f"{code} is the base currency (its rate is always 1)")
    try:
        value = Decimal(rate)
    except InvalidOperation:
        raise ValueError(f"rate {rate!r} is not a number") from None
    if not value.is_finite() or value <= 0:
        raise ValueError(f"rate {rate!r} must be a positive number")
    return code, day, str(value)


async def import_rates(db: Database, lines: Iterable[str], *, base: str) -> RateImport:
    """Store every valid line of a rates CSV quoted against ``base``."""
    base = money.normalize_currency(base)
    async with db.session() as session:
        stored_base = await rate_store.base_currency(session)
    if stored_base is not None and stored_base != base:
        raise Conflict(
            f"stored rates are quoted against {stored_base}; import rates against "
            f"{stored_base} too (--base {stored_base})",
            fields={"base": f"must be {stored_base}"},
        )
    report = RateImport()
    batch: list[tuple[str, str, str]] = []
    reader = csv.reader(lines)
    for number, cells in enumerate(reader, start=1):
        if number == 1:
            if [c.strip().lower() for c in cells] != _HEADER:
                report.rejected.append((1, "the first line must be the header date,currency,rate"))
                return report
            continue
        if not cells or all(not c.strip() for c in cells):
            continue
        try:
            batch.append(parse_rate_line(cells, base))
        except ValueError as exc:
            report.rejected.append((number, str(exc)))
            continue
        if len(batch) >= _BATCH:
            report.accepted += await _store(db, base, batch)
            batch = []
    report.accepted += await _store(db, base, batch)
    return report


async def _store(db: Database, base: str, batch: list[tuple[str, str, str]]) -> int:
    if batch:
        async with db.transaction() as session:
            await rate_store.upsert_rates(session, base, batch)
    return len(batch)

"""The statement of the exchange rates in force on given days."""

from __future__ import annotations

from goalgate.storage.dialect import Dialect
from goalgate.storage.sql.fragments import ASKED

__all__ = ["rates_in_force"]


def rates_in_force(dialect: Dialect) -> str:
    """(currency, day, rate or NULL) for each asked pair (``ASKED``): the rate of that
    day, or else of the nearest earlier one."""
    return (
        f"WITH {ASKED.cte(dialect)} "  # noqa: S608
        "SELECT asked.currency, asked.day, (SELECT r.rate FROM exchange_rates AS r "
        "WHERE r.currency = asked.currency AND r.day <= asked.day "
        "ORDER BY r.day DESC LIMIT 1) FROM asked"
    )

"""Queries on exchange rates: import in bulk, and the rate in force on a day."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from sqlalchemy import func, select, text
from sqlmodel.ext.asyncio.session import AsyncSession

from goalgate.storage import dialect, sql
from goalgate.storage.tables import ExchangeRate

__all__ = ["base_currency", "rates_in_force", "upsert_rates"]

_TABLE = ExchangeRate.__table__  # type: ignore[attr-defined]


async def base_currency(session: AsyncSession) -> str | None:
    """The base every stored rate is quoted against, or None before any import."""
    conn = await session.connection()
    result = await conn.execute(select(func.min(_TABLE.c.base)))
    value = result.scalar()
    return None if value is None else str(value)


async def upsert_rates(
    session: AsyncSession, base: str, rows: Sequence[tuple[str, str, str]]
) -> None:
    """Store (currency, day, rate) rows; a later import of a day replaces its rate."""
    if not rows:
        return
    conn = await session.connection()
    statement = dialect.of(session).insert(_TABLE)
    statement = statement.on_conflict_do_update(
        index_elements=["currency", "day"],
        set_={"rate": statement.excluded.rate, "base": statement.excluded.base},
    )
    await conn.execute(
        statement, [{"currency": c, "day": d, "base": base, "rate": r} for c, d, r in rows]
    )


async def rates_in_force(
    session: AsyncSession, wanted: Sequence[tuple[str, str]]
) -> dict[tuple[str, str], Decimal]:
    """For each (currency, day), the rate of that day or else the nearest earlier one."""
    if not wanted:
        return {}
    conn = await session.connection()
    statement = text(sql.rates_in_force(dialect.of(session)))
    result = await conn.execute(statement, {"rows": sql.ASKED.value(wanted)})
    return {(str(c), str(d)): Decimal(rate) for c, d, rate in result if rate is not None}

"""Queries on API tokens."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from goalgate.storage.readers import Reader
from goalgate.storage.records import TokenRecord
from goalgate.storage.tables import ApiToken

__all__ = ["add_token", "all_tokens", "mark_used", "token_by_hash", "token_by_id"]

# Statements built from constant column lists; values are always bound parameters.
_BY_HASH = f"SELECT {TokenRecord.COLUMNS} FROM api_tokens WHERE secret_hash = :hash"  # noqa: S608


async def token_by_hash(reader: Reader, secret_hash: str) -> TokenRecord | None:
    rows = await reader.rows(_BY_HASH, {"hash": secret_hash})
    return TokenRecord.from_row(rows[0]) if rows else None


async def token_by_id(session: AsyncSession, token_id: int) -> ApiToken | None:
    return await session.get(ApiToken, token_id)


async def all_tokens(session: AsyncSession) -> list[ApiToken]:
    result = await session.exec(select(ApiToken).order_by(ApiToken.id))  # type: ignore[arg-type]
    return list(result.all())


async def add_token(session: AsyncSession, token: ApiToken) -> ApiToken:
    session.add(token)
    await session.flush()
    return token


async def mark_used(session: AsyncSession, token_id: int, when: datetime) -> None:
    await session.exec(
        update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=when)  # type: ignore[arg-type]
    )

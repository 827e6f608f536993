"""Queries on API tokens."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from goalgate.storage.tables import ApiToken

__all__ = ["add_token", "all_tokens", "mark_used", "token_by_hash", "token_by_id"]


async def token_by_hash(session: AsyncSession, secret_hash: str) -> ApiToken | None:
    result = await session.exec(select(ApiToken).where(ApiToken.secret_hash == secret_hash))
    return result.first()


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

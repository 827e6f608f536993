"""The naive REST goal list that goalgate's must beat: the afternoon version.

One Litestar route, one SQLModel ``AsyncSession`` per request and three ORM
queries (token by hash, site by key, the site's goals), no caches and no rate
limiter: what a first version written with the same stack looks like. It reads
goalgate's own database file, so both answer the same rows.

    GOALGATE_DATABASE_URL=sqlite+aiosqlite:///... uvicorn --factory bench.naive_app:create_app
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from litestar import Litestar, get
from litestar.exceptions import NotAuthorizedException, NotFoundException
from litestar.params import Parameter
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from goalgate.storage.tables import ApiToken, Goal, Site


def create_app() -> Litestar:
    engine = create_async_engine(os.environ["GOALGATE_DATABASE_URL"])
    sessions = async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)

    @get("/api/v1/analytics/sites/{key:str}/goals")
    async def list_goals(
        key: str, authorization: Annotated[str, Parameter(header="authorization")]
    ) -> dict[str, Any]:
        secret = authorization.removeprefix("Bearer ").strip()
        digest = hashlib.sha256(secret.encode()).hexdigest()
        async with sessions() as session:
            token = (
                await session.exec(select(ApiToken).where(ApiToken.secret_hash == digest))
            ).first()
            if token is None or token.revoked_at is not None:
                raise NotAuthorizedException()
            site = (await session.exec(select(Site).where(Site.key == key))).first()
            if site is None:
                raise NotFoundException()
            goals = (
                await session.exec(
                    select(Goal)
                    .where(Goal.site_id == site.id)
                    .order_by(col(Goal.created_at), col(Goal.id))
                )
            ).all()
        return {
            "data": [
                {
                    "id": goal.id,
                    "name": goal.name,
                    "type": goal.type,
                    "match_type": goal.match_type,
                    "match_value": goal.match_value,
                    "currency": goal.currency,
                }
                for goal in goals
            ]
        }

    @asynccontextmanager
    async def lifespan(_: Litestar) -> AsyncIterator[None]:
        yield
        await engine.dispose()

    return Litestar([list_goals], lifespan=[lifespan])

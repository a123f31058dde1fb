"""Engine and session factories for PostgreSQL through asyncpg."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine


def async_url(url: str) -> str:
    """Accept `postgresql://` or `postgres://` URLs and name the asyncpg driver."""
    for prefix in ("postgresql+asyncpg://", "postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url[len(prefix) :]
    raise ValueError("the database URL must start with postgresql://")


def create_engine(url: str, *, pool_size: int = 10, pre_ping: bool = True) -> AsyncEngine:
    """A pooled engine. `pre_ping` tests each connection as it leaves the pool (one round trip per checkout).

    The worker turns it off: its statements run in activities, which Temporal retries, so a connection that
    died in the pool costs one failed attempt (SQLAlchemy then discards the pool's older connections) instead
    of a round trip on every step. Connections are recycled after 30 minutes either way.
    """
    return create_async_engine(
        async_url(url),
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=pre_ping,
        pool_recycle=1800,
        connect_args={"timeout": 5, "server_settings": {"timezone": "Asia/Shanghai"}},
    )


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


async def ping(engine: AsyncEngine) -> None:
    """Raise if PostgreSQL does not answer a trivial query."""
    async with engine.connect() as connection:
        await connection.execute(text("SELECT 1"))

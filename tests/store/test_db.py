"""The engine: a connection that died in the pool, with and without pre-ping (see `create_engine`)."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from services.platform.embedded import EmbeddedPostgres
from services.store.db import create_engine
from tests.conftest import fresh_database


async def _kill_pooled_connection(url: str, pre_ping: bool) -> AsyncEngine:
    """Open the engine's one pooled connection, terminate its backend, and return the engine."""
    engine = create_engine(url, pool_size=1, pre_ping=pre_ping)
    async with engine.connect() as connection:
        pid = (await connection.execute(text("SELECT pg_backend_pid()"))).scalar_one()
    killer = create_engine(url, pool_size=1)
    async with killer.connect() as connection:
        assert (await connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})).scalar_one()
    await killer.dispose()
    return engine


class TestDeadConnection:
    async def test_without_pre_ping_it_fails_once_then_the_pool_recovers(self, postgres: EmbeddedPostgres) -> None:
        url = await fresh_database(postgres, migrate=False)
        engine = await _kill_pooled_connection(url, pre_ping=False)
        with pytest.raises(DBAPIError) as failure:
            async with engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        assert failure.value.connection_invalidated  # what an activity's retry then gets past
        async with engine.connect() as connection:
            assert (await connection.execute(text("SELECT 1"))).scalar_one() == 1
        await engine.dispose()

    async def test_with_pre_ping_it_is_replaced_unseen(self, postgres: EmbeddedPostgres) -> None:
        url = await fresh_database(postgres, migrate=False)
        engine = await _kill_pooled_connection(url, pre_ping=True)
        async with engine.connect() as connection:
            assert (await connection.execute(text("SELECT 1"))).scalar_one() == 1
        await engine.dispose()

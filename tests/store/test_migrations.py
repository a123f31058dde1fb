"""The Alembic migrations and the SQLModel tables describe the same schema."""

from __future__ import annotations

import asyncio
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection

from services.platform.embedded import EmbeddedPostgres
from services.store.db import create_engine
from services.store.migrate import alembic_config, downgrade, upgrade
from services.store.schema import metadata
from tests.conftest import fresh_database


def _diff(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, metadata))


async def _schema_diff(url: str) -> list[Any]:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(_diff)
    finally:
        await engine.dispose()


class TestMigrations:
    async def test_models_match_migrations(self, postgres: EmbeddedPostgres) -> None:
        url = await fresh_database(postgres)
        assert await _schema_diff(url) == [], "the tables and the migrations disagree: write a migration"

    async def test_single_head(self) -> None:
        heads = ScriptDirectory.from_config(alembic_config("postgresql://unused/")).get_heads()
        assert len(heads) == 1, f"migration history has several heads: {heads}"

    async def test_downgrade_and_upgrade_again(self, postgres: EmbeddedPostgres) -> None:
        url = await fresh_database(postgres)
        await asyncio.to_thread(downgrade, url, "base")
        unmigrated = await _schema_diff(url)
        assert unmigrated, "after downgrading to base the tables should be gone"
        await asyncio.to_thread(upgrade, url)
        assert await _schema_diff(url) == []

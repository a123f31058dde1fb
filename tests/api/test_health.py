"""`/healthz` and `/readyz`, including 503 naming the part that is down."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from services.api.app import create_app
from services.api.state import AppResources
from services.platform.auth import TokenVerifier
from services.platform.embedded import EmbeddedPostgres, free_port
from services.platform.settings import ApiSettings
from services.platform.temporal import connect_temporal
from services.store.db import create_engine, session_factory
from tests.conftest import start_client


async def _client_for(settings: ApiSettings, engine: AsyncEngine) -> tuple[object, AppResources]:
    resources = AppResources(
        settings=settings,
        engine=engine,
        sessions=session_factory(engine),
        temporal=await connect_temporal(settings, lazy=True),
        verifier=TokenVerifier.from_settings(settings),
    )

    @asynccontextmanager
    async def factory(_: ApiSettings) -> AsyncIterator[AppResources]:
        yield resources

    return create_app(settings, resources_factory=factory), resources


class TestHealthz:
    async def test_alive(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/healthz")
        assert response.status_code == 200
        assert response.json() == {"status": "ok"}


class TestReadyz:
    async def test_ready(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/readyz")
        assert response.status_code == 200
        assert response.json() == {"status": "ready", "checks": {"postgresql": "ok", "temporal": "ok"}}

    async def test_postgres_down(self, tmp_path: Path, api_settings: ApiSettings) -> None:
        """A real PostgreSQL that is stopped while the API runs: 503 naming PostgreSQL."""
        server = EmbeddedPostgres(tmp_path / "pg", free_port(), log_path=tmp_path / "pg.log")
        server.start(fsync=False)
        try:
            settings = api_settings.model_copy(update={"database_url": None})
            engine = create_engine(server.url())
            app, _ = await _client_for(settings, engine)
            async with app.router.lifespan_context(app), await start_client(app) as client:  # type: ignore[attr-defined]
                assert (await client.get("/readyz")).status_code == 200
                server.stop()
                response = await client.get("/readyz")
        finally:
            server.stop()
            await engine.dispose()
        assert response.status_code == 503
        assert response.headers["content-type"] == "application/problem+json"
        body = response.json()
        assert body["failing"] == ["postgresql"]
        assert "postgresql is not reachable" in body["detail"]

    async def test_temporal_down(self, api_settings: ApiSettings, engine: AsyncEngine) -> None:
        settings = api_settings.model_copy(update={"temporal_address": f"127.0.0.1:{free_port()}"})
        app, _ = await _client_for(settings, engine)
        async with app.router.lifespan_context(app), await start_client(app) as client:  # type: ignore[attr-defined]
            response = await client.get("/readyz")
        assert response.status_code == 503
        assert response.json()["failing"] == ["temporal"]

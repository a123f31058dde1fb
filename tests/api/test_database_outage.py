"""PostgreSQL stopped and started while requests run.

Every request gets an answer: 503 with a problem body and `Retry-After` while the database is away (never a 500,
never a dropped connection); the same keys retried afterwards complete their steps once; and no Idempotency-Key is
left pending, including keys claimed just before the outage. The API is served by uvicorn over real HTTP, the
worker runs beside it, both on a PostgreSQL of this test's own, which the test stops and starts.
"""

from __future__ import annotations

import asyncio
import random
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import uvicorn
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import Client

from contracts.loan_state import LoanState
from contracts.queues import loan_workflow_id
from services.api.app import create_app
from services.api.idempotency import Answer, KeyLedger
from services.api.state import AppResources
from services.cli.client import CarefulClient
from services.platform.auth import TokenVerifier
from services.platform.embedded import EmbeddedPostgres, free_port
from services.platform.settings import ApiSettings
from services.store import idempotency as keys
from services.store.db import create_engine, session_factory
from services.store.migrate import upgrade
from services.store.seed import load_demo_data
from services.store.tables import AuditRecord, IdempotencyRecord, LoanEvent
from services.workflows.worker import build_worker
from tests.api.loan_stack import SPECIALIST, Stack, today
from tests.conftest import TEST_JWT_SECRET
from tests.workflows.broken import until

pytestmark = pytest.mark.e2e


@dataclass
class Outage:
    postgres: EmbeddedPostgres
    sessions: async_sessionmaker[AsyncSession]
    stack: Stack
    temporal: Client
    answers: list[tuple[str | None, int, str, str | None]] = field(default_factory=list)  # key, status, type, R-A
    dropped: list[str] = field(default_factory=list)

    async def stop_database(self) -> None:
        await asyncio.to_thread(self.postgres.stop)

    async def start_database(self) -> None:
        await asyncio.to_thread(self.postgres.start, fsync=False)

    async def pending(self) -> int:
        async with self.sessions() as session:
            return await keys.pending_count(session)


@asynccontextmanager
async def served(resources: AppResources) -> AsyncIterator[str]:
    @asynccontextmanager
    async def factory(_: ApiSettings) -> AsyncIterator[AppResources]:
        yield resources

    port = free_port()
    app = create_app(resources.settings, resources_factory=factory)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False))
    serving = asyncio.create_task(server.serve())
    await until(lambda: _started(server), 10, "uvicorn started")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await serving


async def _started(server: uvicorn.Server) -> bool:
    return server.started


@pytest.fixture
async def outage(tmp_path: Path, temporal_client: Client) -> AsyncIterator[Outage]:
    postgres = EmbeddedPostgres(tmp_path / "pg", free_port(), log_path=tmp_path / "pg.log")
    await asyncio.to_thread(postgres.start, fsync=False)
    try:
        await asyncio.to_thread(postgres.create_database, "outage")
        url = postgres.url("outage")
        await asyncio.to_thread(upgrade, url)
        engine = create_engine(url)
        sessions = session_factory(engine)
        async with sessions() as session, session.begin():
            await load_demo_data(session)
        queue = f"outage-{uuid.uuid4().hex}"
        settings = ApiSettings(
            database_url=url, temporal_address="unused:0", jwt_secret=TEST_JWT_SECRET, task_queue=queue
        )
        resources = AppResources(
            settings=settings,
            engine=engine,
            sessions=sessions,
            temporal=temporal_client,
            verifier=TokenVerifier.from_settings(settings),
        )
        worker_engine = create_engine(url, pre_ping=False)
        async with (
            build_worker(temporal_client, session_factory(worker_engine), task_queue=queue),
            served(resources) as base_url,
            httpx.AsyncClient(base_url=base_url, timeout=30) as http,
        ):
            yield Outage(postgres, sessions, Stack(http, sessions, None), temporal_client)
            async for execution in temporal_client.list_workflows(f"TaskQueue = '{queue}'"):
                if execution.status is not None and execution.status.name == "RUNNING":
                    await temporal_client.get_workflow_handle(execution.id).terminate("test finished")
        await worker_engine.dispose()
        await engine.dispose()
    finally:
        await asyncio.to_thread(postgres.stop)


async def fire(outage: Outage, loan_id: str, until_stopped: asyncio.Event) -> None:
    """One client sending visits (each with a key of its own) and reads, as fast as answers come."""
    stack = outage.stack
    body = {"visited_on": today(), "people": ["周光明"], "place": "光明区", "outcome": "回访"}
    while not until_stopped.is_set():
        key: str | None = uuid.uuid4().hex if random.random() < 0.6 else None
        try:
            if key is not None:
                response = await stack.client.post(
                    f"/loans/{loan_id}/visits", json=body, headers=stack.headers(SPECIALIST, key=key)
                )
            else:
                response = await stack.client.get(f"/loans/{loan_id}", headers=stack.headers(SPECIALIST))
        except httpx.TransportError as error:
            outage.dropped.append(f"{type(error).__name__}: {error}")
            continue
        kind = response.json().get("type", "") if response.status_code >= 400 else ""
        outage.answers.append((key, response.status_code, kind, response.headers.get("retry-after")))
        await asyncio.sleep(0.05)


class TestDatabaseOutage:
    async def test_every_request_is_answered_and_the_same_keys_complete_later(self, outage: Outage) -> None:
        loan = await outage.stack.post("/loans", SPECIALIST, {"enterprise_id": "ent-guangming-demo"}, expect=201)
        loan_id = str(loan["id"])
        done = asyncio.Event()
        clients = [asyncio.create_task(fire(outage, loan_id, done)) for _ in range(6)]
        await asyncio.sleep(1.0)
        await outage.stop_database()
        await asyncio.sleep(3.0)
        await outage.start_database()
        await asyncio.sleep(1.0)
        done.set()
        await asyncio.gather(*clients)

        assert outage.dropped == [], "every request gets a response"
        statuses = {status for _, status, _, _ in outage.answers}
        assert statuses <= {200, 503}, statuses
        unavailable = [answer for answer in outage.answers if answer[1] == 503]
        assert unavailable, "the outage was not felt: nothing answered 503"
        for _, _, kind, retry_after in unavailable:
            assert kind.endswith(("/database-unavailable", "/step-still-running")), kind
            assert retry_after is not None

        # A careful client sends each unanswered step again with its key: each acts once.
        careful = CarefulClient(outage.stack.client, deadline=60)
        body = {"visited_on": today(), "people": ["周光明"], "place": "光明区", "outcome": "回访"}
        for key, status, _, _ in outage.answers:
            if key is not None and status == 503:
                again = await careful.post(f"/loans/{loan_id}/visits", body, outage.stack.headers(SPECIALIST), key=key)
                assert again.status_code == 200, again.text
        sent = {key for key, _, _, _ in outage.answers if key is not None}

        await until(lambda: _none_pending(outage), 15, "no Idempotency-Key pending")
        handle = outage.temporal.get_workflow_handle(loan_workflow_id(loan_id))
        state = await handle.query("get_state", result_type=LoanState)
        assert len(state.visits) == len(sent)  # every key's visit, once
        assert await outage.stack.count(LoanEvent, loan_id) == state.step_count + 1
        assert await outage.stack.count(AuditRecord, loan_id) == state.step_count + 1


async def _none_pending(outage: Outage) -> bool:
    return await outage.pending() == 0


class TestKeyLedger:
    async def test_a_key_claimed_before_the_outage_is_completed_when_the_database_returns(self, outage: Outage) -> None:
        ledger = KeyLedger(lambda: outage.sessions, lease=timedelta(seconds=30))
        ledger.start()
        try:
            now = datetime.now(UTC)
            async with outage.sessions() as session, session.begin():
                claim = await keys.claim_key(
                    session, caller="boc/clerk", key="k-outage", digest="d" * 64, now=now, stale_before=now
                )
            assert claim.record_id is not None
            held = keys.Held(claim.record_id, claim.token, "boc/clerk", "k-outage", "d" * 64)
            await outage.stop_database()
            await ledger.complete(held, Answer(200, "application/json", b'{"ok":true}'))
            assert ledger.waiting == 1  # answered, but not yet stored: kept until the database is back
            await outage.start_database()
            await until(lambda: _settled(ledger), 15, "the answer stored")
            async with outage.sessions() as session:
                record = await session.get(IdempotencyRecord, claim.record_id)
            assert record is not None
            assert record.completed_at is not None
            assert (record.status_code, record.response_body) == (200, b'{"ok":true}')
        finally:
            await ledger.stop()


async def _settled(ledger: KeyLedger) -> bool:
    return ledger.waiting == 0
